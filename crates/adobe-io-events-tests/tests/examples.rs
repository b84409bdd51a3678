//! Every example of every message in specs/adobe-io-events.yaml: valid against the spec's own
//! schemas, accepted by the schemars schema of the generated type, dispatched by the router to
//! the right handler method, and round-tripped unchanged (modulo documented normalisations).

use std::path::Path;

use adobe_io_events::Router;
use adobe_io_events::runtime::{Headers, Incoming};
use adobe_io_events_tests::{Recorder, same_json};
use asyncapi_model::{Document, LoadOptions};
use serde_json::Value;

fn spec() -> Document {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs/adobe-io-events.yaml");
    asyncapi_model::load(&path, &LoadOptions::default()).expect("the Adobe spec loads")
}

/// The spec as one JSON document, with `$ref` set to `pointer`: a JSON Schema for one node.
fn validator_for(doc: &Document, loc: &asyncapi_model::Loc) -> jsonschema::Validator {
    let mut root = doc.store.file(doc.store.root_id()).value.clone();
    if let Value::Object(m) = &mut root {
        m.insert("$ref".into(), Value::String(format!("#{}", loc.pointer)));
    }
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .should_validate_formats(true)
        .build(&root)
        .expect("the spec's schema compiles")
}

fn expected_method(doc: &Document, message: usize) -> String {
    let op = doc
        .api
        .operations
        .iter()
        .find(|o| o.messages.contains(&message))
        .expect("every message has an operation");
    asyncapi_codegen::names::snake(&op.key, "op")
}

fn headers_of(example: &Value) -> Headers {
    let mut h = Headers::new();
    if let Some(Value::Object(map)) = example
        .get("headers")
        .or(Some(&Value::Null))
        .filter(|v| v.is_object())
    {
        for (k, v) in map {
            h.append(
                k.clone(),
                v.as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| v.to_string()),
            );
        }
    }
    h
}

#[tokio::test]
async fn every_example_validates_dispatches_and_round_trips() {
    let doc = spec();
    let mut checked = 0;
    for (id, m) in doc.api.messages.iter().enumerate() {
        assert!(
            m.examples.len() >= 2,
            "{}: every message has an adobe_io and a CloudEvents example",
            m.key
        );
        let payload_schema = m.payload.as_ref().expect("every message has a payload");
        let headers_schema = m.headers.as_ref().expect("every message has headers");
        let payload_validator = validator_for(&doc, &payload_schema.at);
        let headers_validator = validator_for(&doc, &headers_schema.at);
        let method = expected_method(&doc, id);
        let address = doc.api.channels[m.channel]
            .address
            .clone()
            .expect("every channel has an address");
        for ex in &m.examples {
            let name = ex.name.clone().unwrap_or_default();
            let payload = ex.payload.clone().expect("examples have payloads");
            let errors: Vec<String> = payload_validator
                .iter_errors(&payload)
                .map(|e| e.to_string())
                .collect();
            assert!(
                errors.is_empty(),
                "{}/{name}: payload invalid against the spec: {errors:?}",
                m.key
            );
            let ex_headers = ex.headers.clone().unwrap_or(Value::Null);
            let errors: Vec<String> = headers_validator
                .iter_errors(&ex_headers)
                .map(|e| e.to_string())
                .collect();
            assert!(
                errors.is_empty(),
                "{}/{name}: headers invalid against the spec: {errors:?}",
                m.key
            );

            let body = serde_json::to_vec(&payload).expect("serializes");
            let headers = headers_of(&serde_json::json!({"headers": ex_headers}));
            // Once by channel address, once on a single webhook URL (no address).
            for addr in [Some(address.as_str()), None] {
                let recorder = Recorder::default();
                let router = Router::new(recorder.clone());
                let incoming = Incoming {
                    address: addr,
                    headers: &headers,
                    content_type: Some("application/json"),
                    payload: &body,
                };
                let dispatched = router
                    .route(incoming)
                    .await
                    .unwrap_or_else(|e| panic!("{}/{name} ({addr:?}): {e}", m.key));
                assert_eq!(dispatched.message, m.key);
                let calls = recorder.take();
                assert_eq!(calls.len(), 1);
                assert_eq!(calls[0].method, method, "{}/{name}", m.key);
                assert!(
                    same_json(&calls[0].payload, &payload),
                    "{}/{name}: payload did not round-trip:\n got {}\nwant {}",
                    m.key,
                    calls[0].payload,
                    payload
                );
                assert_eq!(calls[0].context.correlation_id, None);
                assert_eq!(calls[0].context.channel, doc.api.channels[m.channel].key);
            }
            checked += 1;
        }
    }
    assert!(checked >= 21, "only {checked} examples");
}

macro_rules! schemars_accepts {
    ($doc:expr, $key:literal, $ty:ty) => {{
        let schema = serde_json::to_value(schemars::schema_for!($ty)).expect("schema serializes");
        let validator = jsonschema::validator_for(&schema).expect("the schemars schema compiles");
        let m = $doc
            .api
            .messages
            .iter()
            .find(|m| m.key == $key)
            .expect("message exists");
        for ex in &m.examples {
            let payload = ex.payload.clone().expect("payload");
            let errors: Vec<String> = validator
                .iter_errors(&payload)
                .map(|e| e.to_string())
                .collect();
            assert!(
                errors.is_empty(),
                "{}: schemars schema rejects example {:?}: {errors:?}",
                $key,
                ex.name
            );
            // And the generated type itself takes it.
            let typed: $ty = serde_json::from_value(payload.clone())
                .expect("the generated type deserializes the example");
            assert!(same_json(
                &serde_json::to_value(&typed).expect("serializes"),
                &payload
            ));
        }
    }};
}

#[test]
fn schemars_schemas_accept_every_example() {
    use adobe_io_events::types::*;
    let doc = spec();
    schemars_accepts!(doc, "DatasetIngestionEvent", DatasetIngestionPayload);
    schemars_accepts!(doc, "ProfileUpdateEvent", ProfileUpdatePayload);
    schemars_accepts!(doc, "SegmentEvaluationEvent", SegmentEvaluationPayload);
    schemars_accepts!(doc, "ReportSuiteChangeEvent", ReportSuiteChangePayload);
    schemars_accepts!(doc, "DeliveryStatusEvent", DeliveryStatusPayload);
    schemars_accepts!(doc, "WorkflowExecutionEvent", WorkflowExecutionPayload);
    schemars_accepts!(doc, "ActivityStateChangeEvent", ActivityStateChangePayload);
    schemars_accepts!(doc, "JourneyStepEvent", JourneyStepPayload);
    schemars_accepts!(doc, "LightroomJobStatusEvent", LightroomJobStatusPayload);
    schemars_accepts!(doc, "PhotoshopJobStatusEvent", PhotoshopJobStatusPayload);
}

#[test]
fn the_spec_is_valid_against_the_official_asyncapi_3_schema() {
    let schema_path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/asyncapi-schemas/3.0.0-without-id.json");
    let Ok(text) = std::fs::read_to_string(&schema_path) else {
        eprintln!("skipped: ../shared is not present");
        return;
    };
    let schema: Value = serde_json::from_str(&text).expect("official schema is JSON");
    let validator = jsonschema::draft7::new(&schema).expect("official schema compiles");
    let doc = spec();
    let value = &doc.store.file(doc.store.root_id()).value;
    let errors: Vec<String> = validator
        .iter_errors(value)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert!(
        doc.diagnostics.is_empty(),
        "the loader warns: {}",
        doc.diagnostics
    );
}
