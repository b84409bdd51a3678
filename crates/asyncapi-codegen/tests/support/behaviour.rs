//! Copied into the scratch workspace of `tests/compile.rs` (not compiled in this workspace):
//! what the snapshot crates do at run time, beyond compiling. Each test names the snapshot
//! case whose crate it uses.
#![cfg(test)]

use serde_json::{Value, json};

/// Deserializes `input` into `T` and serializes it back.
fn round_trip<T: serde::de::DeserializeOwned + serde::Serialize>(input: Value) -> Value {
    let typed: T = serde_json::from_value(input.clone())
        .unwrap_or_else(|e| panic!("does not deserialize: {e}\n{input}"));
    serde_json::to_value(&typed).expect("serializes")
}

fn rejects<T: serde::de::DeserializeOwned + std::fmt::Debug>(input: Value) {
    let result = serde_json::from_value::<T>(input.clone());
    assert!(result.is_err(), "accepted {input}: {result:?}");
}

#[test]
fn required_optional_keeps_absent_and_empty_apart() {
    use snapshot_required_optional::types::Order;
    for input in [
        json!({"id": "1", "lines": [], "attributes": {}}),
        json!({"id": "1", "lines": ["a"], "attributes": {"k": "v"}, "tags": [], "labels": {}}),
        json!({"id": "1", "lines": [], "attributes": {}, "shipping": {"street": "Main"}, "x": [1]}),
    ] {
        assert_eq!(round_trip::<Order>(input.clone()), input);
    }
    rejects::<Order>(json!({"lines": [], "attributes": {}}));
}

#[test]
fn integers_take_epoch_milliseconds_and_check_bounds() {
    use snapshot_integers::types::Counters;
    let input = json!({"plain": -1, "epochMillis": 1_714_564_800_000_u64, "percent": 100, "port": 65535});
    assert_eq!(round_trip::<Counters>(input.clone()), input);
    rejects::<Counters>(json!({"plain": 1, "epochMillis": -1}));
    rejects::<Counters>(json!({"plain": 1, "epochMillis": 1, "percent": 101}));
    rejects::<Counters>(json!({"plain": 1, "epochMillis": 1, "even": 3}));
    rejects::<Counters>(json!({"plain": 1.5, "epochMillis": 1}));
}

#[test]
fn const_fields_may_be_absent() {
    use snapshot_const::types::Versioned;
    let input = json!({"kind": "order.created", "version": 2});
    assert_eq!(round_trip::<Versioned>(input.clone()), input);
    let input = json!({"kind": "order.created", "version": 2, "shape": {"a": 1}, "single": "fixed"});
    assert_eq!(round_trip::<Versioned>(input.clone()), input);
    rejects::<Versioned>(json!({"kind": "order.updated", "version": 2}));
}

#[test]
fn open_enums_keep_unknown_values_and_strict_ones_reject_them() {
    use snapshot_enums_open::types::{Odd, Switch};
    assert_eq!(serde_json::from_value::<Switch>(json!("on")).ok(), Some(Switch::On));
    let dim: Switch = serde_json::from_value(json!("dim")).expect("an open enum");
    assert_eq!(dim, Switch::Unknown("dim".to_owned()));
    assert_eq!(serde_json::to_value(&dim).ok(), Some(json!("dim")));
    assert_eq!(serde_json::from_value::<Odd>(json!("")).ok(), Some(Odd::Empty));
    assert_eq!(serde_json::from_value::<Odd>(json!("A-B")).ok(), Some(Odd::AB2));
    assert_eq!(serde_json::from_value::<Odd>(json!("Unknown")).ok(), Some(Odd::Unknown2));
    assert_eq!("über".parse::<Odd>().ok(), Some(Odd::Uber));
    rejects::<snapshot_enums_strict::types::Switch>(json!("dim"));
}

#[test]
fn nullable_fields_take_null() {
    use snapshot_nullable::types::Shape;
    let input = json!({"name": null, "note": null, "count": null, "color": null, "origin": null});
    let back = round_trip::<Shape>(input.clone());
    assert_eq!(back, input, "required nullable fields are written as null");
    let input = json!({"name": "n", "note": "x", "count": 1, "color": "red", "origin": {"x": 1.5},
        "tint": "green", "end": null, "anything": null, "inlineObject": null});
    let back = round_trip::<Shape>(input);
    assert_eq!(back["origin"], json!({"x": 1.5}));
    assert_eq!(back.get("end"), None, "an optional null is dropped (documented)");
}

#[test]
fn additional_properties_are_kept_forbidden_or_typed() {
    use snapshot_additional_properties::types::{Closed, Open, StructMap, Typed};
    let input = json!({"a": "x", "z": [1, {"b": null}]});
    assert_eq!(round_trip::<Open>(input.clone()), input);
    rejects::<Closed>(json!({"a": "x", "z": 1}));
    let input = json!({"a": "x", "z": 1});
    assert_eq!(round_trip::<Typed>(input.clone()), input);
    rejects::<Typed>(json!({"z": "one"}));
    let input = json!({"k": {"n": 1, "more": true}});
    assert_eq!(round_trip::<StructMap>(input.clone()), input);
    let lossy = round_trip::<snapshot_additional_properties_lossy::types::Open>(
        json!({"a": "x", "z": 1}),
    );
    assert_eq!(lossy, json!({"a": "x"}), "without lossless objects, unknown fields drop");
}

#[test]
fn tagged_unions_use_their_tag() {
    use snapshot_oneof_discriminator::types::{Cat, Pet};
    let input = json!({"petType": "dog", "name": "Rex", "goodBoy": true, "extra": 1});
    assert!(matches!(serde_json::from_value::<Pet>(input.clone()), Ok(Pet::Dog(_))));
    assert_eq!(round_trip::<Pet>(input.clone()), input);
    assert_eq!(round_trip::<Pet>(json!({"petType": "fish"})), json!({"petType": "fish"}));
    rejects::<Pet>(json!({"petType": "fish", "fins": 2}));
    rejects::<Pet>(json!({"petType": "bird", "name": "Tweety"}));
    // The component keeps its tag as a field.
    let input = json!({"petType": "cat", "name": "Tom"});
    assert_eq!(round_trip::<Cat>(input.clone()), input);
    use snapshot_oneof_const_tag::types::Event;
    let input = json!({"type": "order.cancelled", "orderId": "o1", "reason": "late"});
    assert!(matches!(serde_json::from_value::<Event>(input.clone()), Ok(Event::OrderCancelled(_))));
    assert_eq!(round_trip::<Event>(input.clone()), input);
    assert_eq!(round_trip::<Event>(json!({"type": "ping"})), json!({"type": "ping"}));
}

#[test]
fn untagged_unions_take_the_branch_that_fits() {
    use snapshot_oneof_untagged::types::{Id, Payment};
    assert!(matches!(serde_json::from_value(json!({"iban": "DE00"})), Ok(Payment::BankTransfer(_))));
    assert!(matches!(serde_json::from_value(json!({"currency": "EUR"})), Ok(Payment::Cash(_))));
    assert!(matches!(serde_json::from_value(json!({"voucher": "V"})), Ok(Payment::Variant4(_))));
    assert_eq!(serde_json::from_value::<Id>(json!(7)).ok(), Some(Id::Integer(7)));
    let input = json!({"iban": "DE00", "bic": "X"});
    assert_eq!(round_trip::<Payment>(input.clone()), input);
    // The branches require properties no other declares: the one present picks the branch,
    // read once from the bytes, wherever it is in the object.
    match serde_json::from_str::<Payment>(r#"{"bic": "X", "iban": "DE00"}"#) {
        Ok(Payment::BankTransfer(b)) => {
            assert_eq!(b.iban, "DE00");
            assert_eq!(b.additional_properties.get("bic"), Some(&json!("X")));
        }
        other => panic!("{other:?}"),
    }
    // A value that fits no branch gets the chosen branch's own error.
    let e = serde_json::from_str::<Payment>(r#"{"iban": 5}"#).unwrap_err().to_string();
    assert!(e.starts_with("invalid type: integer `5`, expected a string"), "{e}");
    let e = serde_json::from_value::<Payment>(json!({"bic": "X"})).unwrap_err().to_string();
    assert!(e.contains("none of the properties that tell its variants apart"), "{e}");
}

#[test]
fn newtypes_validate_and_plain_types_do_not() {
    use snapshot_constrained_newtypes::types::{Name, Price, Quantity, Reading, Sku, Temperature};
    assert!(Sku::new("ABC-1234".to_owned()).is_ok());
    assert!(Sku::new("abc".to_owned()).is_err());
    assert!(Name::new(String::new()).is_err());
    assert!(Name::new("é".repeat(64)).is_ok(), "lengths count characters");
    assert!(Name::new("é".repeat(65)).is_err());
    assert!(Temperature::new(-273.15).is_ok());
    assert!(Temperature::new(1000.0).is_err(), "exclusive maximum");
    assert!(Price::new(0.0).is_err(), "exclusive minimum");
    assert!(Price::new(19.99).is_ok());
    assert!(Price::new(19.999).is_err());
    assert!(Quantity::new(5).is_ok());
    assert!(Quantity::new(7).is_err());
    let input = json!({"sku": "ABC-1234", "temperature": 21.5, "code": "abc"});
    assert_eq!(round_trip::<Reading>(input.clone()), input);
    rejects::<Reading>(json!({"sku": "bad", "temperature": 21.5}));
    rejects::<Reading>(json!({"sku": "ABC-1234", "temperature": 21.5, "code": "abcd"}));
    let plain = json!({"sku": "bad", "temperature": 5000.0, "code": "abcd"});
    assert_eq!(
        round_trip::<snapshot_constrained_plain::types::Reading>(plain.clone()),
        plain
    );
}

#[test]
fn recursive_types_nest() {
    use snapshot_recursive::types::{Expr, Json, Nested, Node};
    let input = json!({"name": "a", "parent": {"name": "b"}, "children": [{"name": "c", "children": []}],
        "byName": {"d": {"name": "d"}}});
    assert_eq!(round_trip::<Node>(input.clone()), input);
    let input = json!({"left": {"value": 1.0}, "right": {"left": {"value": 2.0}, "right": {"value": 3.0}}});
    assert!(matches!(serde_json::from_value(input.clone()), Ok(Expr::Sum(_))));
    assert_eq!(round_trip::<Expr>(input.clone()), input);
    let input = json!([[], [[]]]);
    assert_eq!(round_trip::<Nested>(input.clone()), input);
    let input = json!({"a": ["x", 1.5, {"b": []}]});
    assert_eq!(round_trip::<Json>(input.clone()), input);
}

#[test]
fn names_keep_their_wire_names() {
    use snapshot_names::types::Option as Opt;
    let input = json!({"type": "t", "self": "s", "Self": 1, "1st": "f", "@id": "i", "xdm:ingestionId": "x",
        "a.b-c d": "p", "größe": "g", "additional_properties": "a", "fooBar": "c", "foo_bar": "s",
        "async": true, "match": {"ok": {"value": "v"}}, "unlisted": 0});
    assert_eq!(round_trip::<Opt>(input.clone()), input);
    rejects::<Opt>(json!({"match": {"ok": {"value": ""}}}));
}

#[test]
fn string_formats_are_typed() {
    use snapshot_string_formats::types::Formats;
    let input = json!({"at": "2024-05-01T14:00:00+02:00", "day": "2024-05-01",
        "id": "3cb659b7-774b-4525-97dd-2e916db3b072", "v4": "10.0.0.1", "v6": "::1"});
    let back = round_trip::<Formats>(input);
    assert_eq!(back["at"], json!("2024-05-01T12:00:00Z"), "re-printed by chrono (documented)");
    assert_eq!(back["day"], json!("2024-05-01"));
    rejects::<Formats>(json!({"at": "yesterday"}));
    rejects::<Formats>(json!({"at": "2024-05-01T12:00:00Z", "v4": "::1"}));
    let untyped = json!({"at": "yesterday", "v4": "::1"});
    assert_eq!(
        round_trip::<snapshot_string_formats_untyped::types::Formats>(untyped.clone()),
        untyped
    );
}

mod dispatch {
    use asyncapi_runtime::{Dispatch, DispatchError, Headers, HandlerError, Incoming};
    use asyncapi_runtime::codegen::Context;

    fn run<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime")
            .block_on(f)
    }

    #[derive(Debug, Clone, Copy)]
    struct Orders;

    impl snapshot_several_messages::Handler for Orders {
        async fn on_order(
            &self,
            message: snapshot_several_messages::messages::OnOrderMessage,
            _: Context,
        ) -> Result<(), HandlerError> {
            use snapshot_several_messages::messages::OnOrderMessage as M;
            match message {
                M::Created(m) if m.payload.id == "o1" => Ok(()),
                M::Cancelled(m) if m.payload.reason == "late" => Ok(()),
                M::Snapshot(m) if m.payload == b"\x00raw" => Ok(()),
                other => Err(format!("unexpected {other:?}").into()),
            }
        }
    }

    #[test]
    fn several_messages_are_told_apart() {
        let router = snapshot_several_messages::Router::new(Orders);
        let route = |headers: &Headers, content_type: &'static str, body: &'static [u8]| {
            run(router.dispatch(Incoming {
                address: Some("orders"),
                headers,
                content_type: Some(content_type),
                payload: body,
            }))
        };
        let none = Headers::new();
        let created = route(&none, "application/json", br#"{"type":"created","id":"o1"}"#);
        assert_eq!(created.map(|d| d.message).ok(), Some("created"));
        let mut cancel = Headers::new();
        cancel.insert("event-type", "cancelled");
        let cancelled = route(&cancel, "application/json", br#"{"type":"cancelled","id":"o1","reason":"late"}"#);
        assert_eq!(cancelled.map(|d| d.message).ok(), Some("cancelled"));
        let snapshot = route(&none, "application/octet-stream", b"\x00raw");
        assert_eq!(snapshot.map(|d| d.message).ok(), Some("snapshot"));
        let unknown = route(&none, "application/json", br#"{"type":"shipped","id":"o1"}"#);
        assert!(unknown.is_err(), "{unknown:?}");
    }

    #[derive(Debug, Clone, Copy)]
    struct Ponger;

    impl snapshot_request_reply::Handler for Ponger {
        async fn ping(
            &self,
            message: snapshot_request_reply::messages::Ping,
            _: Context,
        ) -> Result<snapshot_request_reply::messages::PingReply, HandlerError> {
            use snapshot_request_reply::messages::{PingReply, Pong};
            use snapshot_request_reply::types::PongPayload;
            Ok(PingReply::Pong(Pong {
                payload: PongPayload {
                    seq: message.payload.seq + 1,
                    additional_properties: Default::default(),
                },
            }))
        }

        async fn fixed_reply(
            &self,
            _: snapshot_request_reply::messages::Ping,
            _: Context,
        ) -> Result<snapshot_request_reply::messages::PongMessage, HandlerError> {
            Err("never called: `ping` receives the message first".into())
        }
    }

    #[test]
    fn a_request_gets_its_reply_at_the_address_it_names() {
        let router = snapshot_request_reply::Router::new(Ponger);
        let mut headers = Headers::new();
        headers.insert("replyTo", "pongs/42");
        headers.insert("correlationId", "c-1");
        let dispatched = run(router.dispatch(Incoming {
            address: Some("ping"),
            headers: &headers,
            content_type: Some("application/json"),
            payload: br#"{"seq":1}"#,
        }))
        .expect("dispatched");
        assert_eq!(dispatched.operation, "ping");
        let reply = dispatched.reply.expect("a reply");
        assert_eq!(reply.address, "pongs/42");
        let body: serde_json::Value = serde_json::from_slice(&reply.payload).expect("JSON");
        assert_eq!(body, serde_json::json!({"seq": 2}));
    }

    #[derive(Debug, Clone, Copy)]
    struct Lights;

    impl snapshot_channel_parameters::Handler for Lights {
        async fn receive_lighting(
            &self,
            message: snapshot_channel_parameters::messages::LightMeasured,
            params: snapshot_channel_parameters::messages::LightingParams,
            _: Context,
        ) -> Result<(), HandlerError> {
            use snapshot_channel_parameters::types::LightingParamsKind;
            if params.streetlight_id == "s-7" && params.kind == LightingParamsKind::Dimmed && message.payload.lumens == 3 {
                Ok(())
            } else {
                Err(format!("unexpected {params:?} {message:?}").into())
            }
        }
    }

    #[test]
    fn channel_parameters_are_parsed_from_the_address() {
        let router = snapshot_channel_parameters::Router::new(Lights);
        let headers = Headers::new();
        let route = |address: &'static str| {
            run(router.dispatch(Incoming {
                address: Some(address),
                headers: &headers,
                content_type: None,
                payload: br#"{"lumens":3}"#,
            }))
        };
        assert!(route("streetlights/s-7/lighting/dimmed").is_ok());
        assert!(route("streetlights/s-7/lighting/flashing").is_err(), "a strict parameter enum");
        assert!(route("streetlights/s-7/other").is_err());
        // A parameter value is one segment: a `/` in it, or nothing, is another address.
        for address in ["streetlights/s/7/lighting/dimmed", "streetlights//lighting/dimmed"] {
            match route(address) {
                Err(DispatchError::UnknownChannel { address: a }) => assert_eq!(a, address),
                other => panic!("{address}: {other:?}"),
            }
        }
    }
}

#[test]
fn avro_records_map_to_closed_structs_with_optional_unions() {
    use snapshot_avro::types::{OrderPlaced, Status};
    let input = json!({
        "id": "7c9e6679-7425-40de-944b-e07fc1f90ae7",
        "status": "PAID",
        "lines": [{"sku": "A-1", "qty": 2}],
        "attributes": {"weight": 1200},
        "placedAt": 1718287543210_i64,
        "previous": {
            "id": "0f8fad5b-d9cb-469f-a165-70867728950e",
            "status": "NEW",
            "lines": [],
            "attributes": {},
            "placedAt": 1718287000000_i64
        }
    });
    assert_eq!(round_trip::<OrderPlaced>(input.clone()), input);
    let typed: OrderPlaced = serde_json::from_value(input.clone()).expect("deserializes");
    assert_eq!(typed.status, Status::Paid);
    assert!(typed.previous.as_ref().is_some_and(|p| p.note.is_none()));
    // Avro records are closed; a missing required field or an unknown one is an error.
    let mut extra = input.clone();
    extra["unexpected"] = json!(1);
    rejects::<OrderPlaced>(extra);
    rejects::<OrderPlaced>(json!({"id": "7c9e6679-7425-40de-944b-e07fc1f90ae7"}));
}

#[test]
fn replies_to_sent_requests_reach_their_own_handler_method() {
    use asyncapi_runtime::{Headers, Incoming};
    use snapshot_request_reply_sender::messages::{Quote, QuoteRefused, RequestQuoteReply};
    use snapshot_request_reply_sender::runtime::{Context, HandlerError};
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Replies(Arc<Mutex<Vec<(String, Option<String>)>>>);
    impl snapshot_request_reply_sender::Handler for Replies {
        async fn request_quote_reply(&self, message: RequestQuoteReply, context: Context) -> Result<(), HandlerError> {
            let what = match message {
                RequestQuoteReply::Quote(Quote { payload, .. }) => format!("quote {} {}", payload.sku, payload.price),
                RequestQuoteReply::QuoteRefused(QuoteRefused { payload, .. }) => format!("refused: {}", payload.reason),
            };
            self.0.lock().expect("lock").push((what, context.correlation_id));
            Ok(())
        }
    }
    let replies = Replies::default();
    let router = snapshot_request_reply_sender::Router::new(replies.clone());
    let rt = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    let headers: Headers = [("correlationId", "req-42")].into_iter().collect();
    for body in [&br#"{"sku": "A-1", "price": 9.5}"#[..], br#"{"reason": "out of stock"}"#] {
        let incoming = Incoming { address: Some("quotes/replies"), headers: &headers, content_type: None, payload: body };
        let done = rt.block_on(router.route(incoming)).expect("dispatches");
        assert_eq!(done.operation, "requestQuoteReply");
    }
    assert_eq!(
        *replies.0.lock().expect("lock"),
        [("quote A-1 9.5".to_owned(), Some("req-42".to_owned())), ("refused: out of stock".to_owned(), None)]
    );
}

#[test]
fn servers_are_described_and_connect_functions_build_endpoints() {
    use snapshot_servers::transport::{Endpoint, ServerSettings, http::HttpOptions};
    let api = &snapshot_servers::API;
    let names: Vec<&str> = api.servers.iter().map(|s| s.name).collect();
    assert_eq!(
        names,
        ["production", "kafka-cluster", "nats", "rabbit", "type", "api", "legacy"]
    );
    // 2.x URLs: scheme dropped, variables filled from their defaults, TLS from the protocol.
    let e = Endpoint::from_server(api, "production", &ServerSettings::default()).unwrap();
    assert_eq!((e.host.as_str(), e.port, e.tls.is_some()), ("broker.example.com", Some(8883), true));
    let e = Endpoint::from_server(api, "rabbit", &ServerSettings::default()).unwrap();
    assert_eq!(e.path.as_deref(), Some("lights"));
    let settings = ServerSettings {
        variables: vec![("vhost".to_owned(), "other".to_owned())],
        ..ServerSettings::default()
    };
    assert_eq!(Endpoint::from_server(api, "rabbit", &settings).unwrap().path.as_deref(), Some("other"));
    // The SCRAM scheme of the Kafka server asks for credentials before any connection.
    let err = Endpoint::from_server(api, "kafka-cluster", &ServerSettings::default()).unwrap_err();
    assert!(err.to_string().contains("SCRAM-SHA-256"), "{err}");
    // The HTTP function builds its sink without connecting.
    assert!(snapshot_servers::connect::api(ServerSettings::default(), HttpOptions::default()).is_ok());
    // A value a variable does not allow is refused, naming it.
    let bad = ServerSettings {
        variables: vec![("port".to_owned(), "1".to_owned())],
        ..ServerSettings::default()
    };
    let err = Endpoint::from_server(api, "production", &bad).unwrap_err();
    assert!(err.to_string().contains("port"), "{err}");
}
