//! The generated router on real Adobe payload shapes and on what it must survive: unknown
//! event codes, unknown enum values, unknown fields, batches, garbage. Nothing panics.

use adobe_io_events::Router;
use adobe_io_events::runtime::{DispatchError, Headers, Incoming};
use adobe_io_events::types::*;
use adobe_io_events_tests::{Recorder, same_json};
use serde_json::{Value, json};

/// An Experience Platform ingestion notification as Adobe documents it (FACTS.md §7): adobe_io
/// format, `xdm:completed` in epoch milliseconds (larger than an i32), `sentTime` a string.
fn ingestion_notification() -> Value {
    json!({
        "event_id": "336ea0cb-c179-412c-b355-64a01189bf0a",
        "event": {
            "xdm:ingestionId": "01EGK9B4B2TF0D9NKAWA3J2TYR",
            "xdm:customerIngestionId": "01EGK9B4B2TF0D9NKAWA3J2TYR",
            "xdm:imsOrg": "C74F69D7594880280A495D09@AdobeOrg",
            "xdm:completed": 1598374341560_u64,
            "xdm:datasetId": "5e55b556c2ec5218a7b67180",
            "xdm:eventCode": "ing_load_success",
            "xdm:sandboxName": "prod",
            "sentTime": "1598374341651",
            "processStartTime": 1598374342357_u64,
            "transformedTime": 1598374342360_u64,
            "header": {
                "_adobeio": {
                    "imsOrgId": "C74F69D7594880280A495D09@AdobeOrg",
                    "providerMetadata": "aep_observability_catalog_events",
                    "eventCode": "platform_event"
                }
            }
        }
    })
}

fn webhook_headers(code: &str) -> Headers {
    [
        ("X-Adobe-Event-Code", code),
        ("x-adobe-event-id", "336ea0cb-c179-412c-b355-64a01189bf0a"),
        (
            "x-adobe-delivery-id",
            "0d3e6a94-5a4b-4e0c-9d56-52c1d4a11d20",
        ),
        ("x-request-id", "Q2VfOQH3aGk3m8mHq3b1vJ0f"),
        ("user-agent", "Adobe/1.0"),
        ("content-type", "application/json; charset=utf-8"),
    ]
    .into_iter()
    .collect()
}

async fn route(
    router: &Router<Recorder>,
    address: Option<&str>,
    headers: &Headers,
    body: &Value,
) -> Result<adobe_io_events::runtime::Dispatched, DispatchError> {
    let bytes = serde_json::to_vec(body).expect("serializes");
    router
        .route(Incoming {
            address,
            headers,
            content_type: Some("application/json"),
            payload: &bytes,
        })
        .await
}

#[tokio::test]
async fn documented_ingestion_notification_parses_with_epoch_milliseconds() {
    let body = ingestion_notification();
    let typed: DatasetIngestionPayload = serde_json::from_value(body.clone()).expect("parses");
    let DatasetIngestionPayload::AdobeIoEnvelope(env) = &typed else {
        panic!("an adobe_io notification must be the adobe_io envelope, got {typed:?}");
    };
    assert_eq!(env.event.xdm_completed, 1_598_374_341_560);
    assert_eq!(
        env.event.xdm_event_code,
        DatasetIngestionBodyXdmEventCode::IngLoadSuccess
    );
    assert!(same_json(
        &serde_json::to_value(&typed).expect("serializes"),
        &body
    ));

    let recorder = Recorder::default();
    let router = Router::new(recorder.clone());
    let dispatched = route(&router, None, &webhook_headers("platform_event"), &body)
        .await
        .expect("dispatches");
    assert_eq!(
        (dispatched.operation, dispatched.message),
        ("datasetIngestion", "DatasetIngestionEvent")
    );
    let calls = recorder.take();
    assert_eq!(calls[0].method, "dataset_ingestion");
    assert_eq!(calls[0].headers["x-adobe-event-code"], "platform_event");
    assert_eq!(
        calls[0].context.headers.get("x-request-id"),
        Some("Q2VfOQH3aGk3m8mHq3b1vJ0f")
    );
}

#[tokio::test]
async fn unknown_event_code_is_a_permanent_no_match() {
    let recorder = Recorder::default();
    let router = Router::new(recorder.clone());
    let err = route(
        &router,
        None,
        &webhook_headers("com.adobe.something.new"),
        &ingestion_notification(),
    )
    .await
    .expect_err("no message has this code");
    assert!(
        matches!(err, DispatchError::NoMatchingMessage { .. }),
        "{err}"
    );
    assert!(!err.is_retryable());
    assert!(
        err.to_string().contains(
            "header `x-adobe-event-code` must be `platform_event`, got `com.adobe.something.new`"
        ),
        "{err}"
    );
    assert!(recorder.take().is_empty());
}

#[tokio::test]
async fn unknown_enum_value_is_kept_and_round_trips() {
    let mut body = ingestion_notification();
    body["event"]["xdm:eventCode"] = json!("ing_load_partial_success");
    let typed: DatasetIngestionPayload =
        serde_json::from_value(body.clone()).expect("an unknown value does not break the event");
    let DatasetIngestionPayload::AdobeIoEnvelope(env) = &typed else {
        panic!("adobe_io envelope expected")
    };
    assert_eq!(
        env.event.xdm_event_code,
        DatasetIngestionBodyXdmEventCode::Unknown("ing_load_partial_success".into())
    );
    assert_eq!(
        env.event.xdm_event_code.to_string(),
        "ing_load_partial_success"
    );
    assert!(same_json(
        &serde_json::to_value(&typed).expect("serializes"),
        &body
    ));
    let router = Router::new(Recorder::default());
    route(&router, None, &webhook_headers("platform_event"), &body)
        .await
        .expect("dispatches");
}

#[tokio::test]
async fn unknown_extra_fields_are_kept_and_round_trip() {
    let mut body = ingestion_notification();
    body["event"]["xdm:newFieldFrom2027"] = json!({"nested": [1, 2, 3]});
    body["unexpected_top_level"] = json!(true);
    let recorder = Recorder::default();
    let router = Router::new(recorder.clone());
    route(&router, None, &webhook_headers("platform_event"), &body)
        .await
        .expect("dispatches");
    let calls = recorder.take();
    assert!(
        same_json(&calls[0].payload, &body),
        "lost data: {}",
        calls[0].payload
    );
}

#[tokio::test]
async fn batch_elements_dispatch_by_their_own_cloud_events_type() {
    // A batch body is an array; each element goes through the router on its own, without the
    // request's event code (which names one event only).
    let batch = json!([
        {
            "specversion": "1.0",
            "type": "platform_event",
            "source": "urn:uuid:7265cdc4-d42b-467f-bb77-878b5fba3d9b",
            "id": "6a1b2c3d-0001-4f00-8000-000000000001",
            "time": "2024-06-13T14:05:43.251Z",
            "datacontenttype": "application/json",
            "eventid": "6a1b2c3d-0001-4f00-8000-000000000001",
            "recipientclientid": "7265cdc4d42b467fbb77878b5fba3d9b",
            "data": ingestion_notification()["event"].clone(),
        },
        ingestion_notification(),
    ]);
    let recorder = Recorder::default();
    let router = Router::new(recorder.clone());
    let no_code = Headers::new();
    for element in batch.as_array().expect("array") {
        route(&router, None, &no_code, element)
            .await
            .expect("each element dispatches");
    }
    let calls = recorder.take();
    assert_eq!(
        calls.iter().map(|c| c.method).collect::<Vec<_>>(),
        ["dataset_ingestion", "dataset_ingestion"]
    );
    assert!(same_json(&calls[0].payload, &batch[0]));
}

#[tokio::test]
async fn garbage_and_wrong_shapes_are_errors_not_panics() {
    let router = Router::new(Recorder::default());
    let headers = webhook_headers("platform_event");
    for body in [&b"not json"[..], b"", b"[]", b"{\"event_id\": 3}", b"null"] {
        let err = router
            .route(Incoming {
                address: None,
                headers: &headers,
                content_type: Some("application/json"),
                payload: body,
            })
            .await
            .expect_err("must be rejected");
        assert!(!err.is_retryable(), "{err}");
        assert!(
            matches!(err, DispatchError::BadPayload { .. }),
            "{}: {err}",
            String::from_utf8_lossy(body)
        );
    }
    let mut body = ingestion_notification();
    body["event"]["xdm:completed"] = json!("yesterday");
    let err = route(&router, None, &headers, &body)
        .await
        .expect_err("wrong type");
    assert!(matches!(err, DispatchError::BadPayload { .. }), "{err}");
    let err = route(
        &router,
        Some("no/such/channel"),
        &headers,
        &ingestion_notification(),
    )
    .await
    .expect_err("unknown channel");
    assert!(matches!(err, DispatchError::UnknownChannel { .. }), "{err}");
}

#[tokio::test]
async fn handler_failure_is_retryable() {
    let router = Router::new(Recorder::failing());
    let err = route(
        &router,
        Some("experience-platform/dataset-ingestion"),
        &webhook_headers("platform_event"),
        &ingestion_notification(),
    )
    .await
    .expect_err("the handler fails");
    assert!(err.is_retryable());
    assert_eq!(err.kind(), "handler");
}
