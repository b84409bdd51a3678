//! The Imaging API Events (Lightroom and Photoshop job status) on Adobe's own sample. The
//! Lightroom sample of the second seed, byte for byte (`tests/fixtures/lightroom-job-status.json`),
//! is the spec's first Lightroom example, reaches the Lightroom handler method on one webhook
//! URL with and without the `x-adobe-event-code` header, round-trips and passes its schemars
//! schema. Behind the webhook it is refused as published (it names no recipient client id)
//! with a log line that says why, and handled once a recipient is added.

use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex};

use adobe_io_events::Router;
use adobe_io_events::runtime::{DispatchError, Headers, Incoming};
use adobe_io_events::transport::{Verification, WebhookConfig};
use adobe_io_events::types::*;
use adobe_io_events_tests::{Recorder, same_json};
use serde_json::{Value, json};

/// The seed's sample event, exactly as Adobe publishes it.
const SAMPLE: &[u8] = include_bytes!("fixtures/lightroom-job-status.json");
const CLIENT_ID: &str = "7265cdc4d42b467fbb77878b5fba3d9b";

fn sample() -> Value {
    serde_json::from_slice(SAMPLE).expect("the fixture is JSON")
}

fn with_recipient() -> Value {
    let mut v = sample();
    v["recipient_client_id"] = json!(CLIENT_ID);
    v
}

async fn route_bytes(
    router: &Router<Recorder>,
    address: Option<&str>,
    headers: &Headers,
    body: &[u8],
) -> Result<adobe_io_events::runtime::Dispatched, DispatchError> {
    router
        .route(Incoming {
            address,
            headers,
            content_type: Some("application/json"),
            payload: body,
        })
        .await
}

#[test]
fn the_fixture_is_the_seed_sample_byte_for_byte_and_the_spec_example() {
    let doc = asyncapi_model::load(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs/adobe-io-events.yaml"),
        &asyncapi_model::LoadOptions::default(),
    )
    .expect("the Adobe spec loads");
    let message = doc
        .api
        .messages
        .iter()
        .find(|m| m.key == "LightroomJobStatusEvent")
        .expect("the spec has the Lightroom message");
    let example = message
        .examples
        .iter()
        .find(|e| e.name.as_deref() == Some("autoToneSucceededAdobeDocsSample"))
        .expect("the spec has Adobe's sample as an example");
    assert_eq!(example.payload.as_ref(), Some(&sample()));

    let seed = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/adobe-io-events/004_d0fedcf7acd1f3f1.txt");
    let Ok(text) = std::fs::read_to_string(&seed) else {
        eprintln!("skipped the seed comparison: ../shared is not present");
        return;
    };
    let published = text
        .lines()
        .find_map(|l| l.strip_prefix("Copied to your clipboard{\"event_id\""))
        .map(|rest| format!("{{\"event_id\"{rest}"))
        .expect("the seed holds the sample event");
    assert_eq!(published.as_bytes(), SAMPLE);
}

#[tokio::test]
async fn the_sample_reaches_the_lightroom_method_on_one_url_with_and_without_headers() {
    let by_code: Headers = [("x-adobe-event-code", "lightroom-job-status")]
        .into_iter()
        .collect();
    let none = Headers::new();
    for (what, address, headers) in [
        ("event code header", None, &by_code),
        ("no headers: the body's eventCode", None, &none),
        ("channel address", Some("lightroom/job-status"), &none),
    ] {
        let recorder = Recorder::default();
        let router = Router::new(recorder.clone());
        let dispatched = route_bytes(&router, address, headers, SAMPLE)
            .await
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(
            (dispatched.operation, dispatched.message),
            ("lightroomJobStatus", "LightroomJobStatusEvent"),
            "{what}"
        );
        let calls = recorder.take();
        assert_eq!(calls.len(), 1, "{what}");
        assert_eq!(calls[0].method, "lightroom_job_status", "{what}");
        assert!(
            same_json(&calls[0].payload, &sample()),
            "{what}: the payload did not round-trip: {}",
            calls[0].payload
        );
    }
}

#[test]
fn the_sample_is_typed_round_trips_and_passes_its_schemars_schema() {
    let typed: LightroomJobStatusPayload =
        serde_json::from_slice(SAMPLE).expect("the generated type takes Adobe's sample");
    let LightroomJobStatusPayload::AdobeIoEnvelope(env) = &typed else {
        panic!("Adobe's sample is in the adobe_io format, got {typed:?}");
    };
    assert!(env.recipient_client_id.is_none());
    let header = &env.event.header;
    assert_eq!(header.msg_type.as_str(), "JOB_COMPLETION_STATUS");
    assert_eq!(header.ims_org_id.as_deref(), Some("<IMS org ID>"));
    let body = &env.event.body;
    assert_eq!(body.job_id.as_str(), "eb4a9211-eb8a-4e88-b853-b9c08ba47427");
    assert_eq!(body.outputs.len(), 1);
    assert_eq!(body.outputs[0].status, ImagingJobStatus::Succeeded);
    assert_eq!(body.outputs[0].input.as_deref(), Some("<signed GET URL>"));
    assert_eq!(
        body.links
            .as_ref()
            .and_then(|l| l.self_.as_ref())
            .map(|s| s.href.as_str()),
        Some("https://image.adobe.io/lrService/status/eb4a9211-eb8a-4e88-b853-b9c08ba47427")
    );
    assert!(same_json(
        &serde_json::to_value(&typed).expect("serializes"),
        &sample()
    ));

    let schema = serde_json::to_value(schemars::schema_for!(LightroomJobStatusPayload))
        .expect("schema serializes");
    let validator = jsonschema::validator_for(&schema).expect("the schemars schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&sample())
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
}

#[tokio::test]
async fn a_photoshop_event_is_not_taken_for_a_lightroom_one() {
    let mut photoshop = sample();
    photoshop["event"]["header"]["eventCode"] = json!("photoshop-job-status");
    photoshop["event"]["header"]["_adobeio"]["eventCode"] = json!("photoshop-job-status");
    let bytes = serde_json::to_vec(&photoshop).expect("serializes");
    let recorder = Recorder::default();
    let router = Router::new(recorder.clone());
    let dispatched = route_bytes(&router, None, &Headers::new(), &bytes)
        .await
        .expect("dispatches by the body's event code");
    assert_eq!(dispatched.operation, "photoshopJobStatus");
    assert_eq!(recorder.take()[0].method, "photoshop_job_status");

    // A header that contradicts the body is an error that no retry fixes, not a guess.
    let lying: Headers = [("x-adobe-event-code", "lightroom-job-status")]
        .into_iter()
        .collect();
    let err = route_bytes(&router, None, &lying, &bytes)
        .await
        .expect_err("the body is no Lightroom event");
    assert!(!err.is_retryable(), "{err}");
    assert!(recorder.take().is_empty());
}

#[tokio::test]
async fn unknown_status_and_message_type_values_are_kept() {
    let mut body = sample();
    body["event"]["header"]["msgType"] = json!("JOB_PROGRESS_STATUS");
    body["event"]["body"]["outputs"][0]["status"] = json!("partially_succeeded");
    let typed: LightroomJobStatusPayload =
        serde_json::from_value(body.clone()).expect("new values do not break the event");
    let LightroomJobStatusPayload::AdobeIoEnvelope(env) = &typed else {
        panic!("adobe_io envelope expected");
    };
    assert_eq!(env.event.header.msg_type.as_str(), "JOB_PROGRESS_STATUS");
    assert_eq!(
        env.event.body.outputs[0].status,
        ImagingJobStatus::Unknown("partially_succeeded".into())
    );
    assert!(same_json(
        &serde_json::to_value(&typed).expect("serializes"),
        &body
    ));
    let router = Router::new(Recorder::default());
    let bytes = serde_json::to_vec(&body).expect("serializes");
    route_bytes(&router, None, &Headers::new(), &bytes)
        .await
        .expect("still dispatches");
}

#[test]
fn a_failed_job_carries_a_typed_error() {
    let mut body = with_recipient();
    body["event"]["body"]["outputs"][0] = json!({
        "input": "<signed GET URL>",
        "status": "failed",
        "errors": {
            "type": "InputValidationError",
            "code": "400",
            "title": "request parameters didn't validate",
            "details": [{"name": "inputs.href", "reason": "the file cannot be read"}]
        }
    });
    let typed: LightroomJobStatusPayload = serde_json::from_value(body.clone()).expect("parses");
    let LightroomJobStatusPayload::AdobeIoEnvelope(env) = &typed else {
        panic!("adobe_io envelope expected");
    };
    let output = &env.event.body.outputs[0];
    assert_eq!(output.status, ImagingJobStatus::Failed);
    let errors = output.errors.as_ref().expect("a failed output has errors");
    assert_eq!(errors.r#type.as_deref(), Some("InputValidationError"));
    assert_eq!(
        errors.details.as_ref().and_then(|d| d[0].reason.as_deref()),
        Some("the file cannot be read")
    );
    assert!(same_json(
        &serde_json::to_value(&typed).expect("serializes"),
        &body
    ));
}

/// Log lines written while a test runs on this thread.
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Logs {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
    }
}

/// Serves the webhook in front of a recording router on 127.0.0.1, on this test's
/// single-threaded runtime (so the thread's log subscriber sees the server's lines too).
/// Signatures are off here: they are tested in adobe-io-transport; this is about the recipient.
async fn webhook(recorder: Recorder) -> String {
    let mut config = WebhookConfig::new(CLIENT_ID);
    config.verification = Verification::Disabled;
    let app = adobe_io_events::transport::router(Arc::new(Router::new(recorder)), config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}/webhook")
}

#[tokio::test(flavor = "current_thread")]
async fn the_webhook_refuses_the_sample_as_published_and_handles_it_with_a_recipient() {
    let logs = Logs::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::WARN)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let recorder = Recorder::default();
    let url = webhook(recorder.clone()).await;
    let client = reqwest::Client::new();

    let refused = client
        .post(&url)
        .header("content-type", "application/json; charset=utf-8")
        .header("x-adobe-event-code", "lightroom-job-status")
        .body(SAMPLE)
        .send()
        .await
        .expect("answered");
    assert_eq!(refused.status(), 403, "no recipient: refused for good");
    assert_eq!(
        refused.text().await.expect("body"),
        "recipient client id missing"
    );
    let text = logs.text();
    assert!(
        text.contains("refusing a delivery: an event names no recipient client id")
            && text.contains("7b59cc70-88d7-4895-b204-87f5350a0cce"),
        "the log says why: {text}"
    );
    assert!(recorder.take().is_empty(), "the handler never saw it");

    let body = serde_json::to_vec(&with_recipient()).expect("serializes");
    for header in [Some("lightroom-job-status"), None] {
        let mut request = client
            .post(&url)
            .header("content-type", "application/json; charset=utf-8");
        if let Some(code) = header {
            request = request.header("x-adobe-event-code", code);
        }
        let resp = request.body(body.clone()).send().await.expect("answered");
        assert_eq!(resp.status(), 200, "header {header:?}");
        let calls = recorder.take();
        // The second delivery is the same event id: a duplicate, acknowledged unhandled.
        if header.is_some() {
            assert_eq!(calls.len(), 1);
            assert_eq!(calls[0].method, "lightroom_job_status");
            assert!(same_json(&calls[0].payload, &with_recipient()));
        } else {
            assert!(calls.is_empty(), "a duplicate is not handled twice");
            assert!(resp.text().await.expect("body").contains("duplicates 1"));
        }
    }

    // Without the header, a new event id: the transport reads the event code from the body.
    let mut fresh = with_recipient();
    fresh["event_id"] = json!("0c3e1b7a-2f4d-4c5e-9a8b-7d6c5b4a3f21");
    let resp = client
        .post(&url)
        .header("content-type", "application/json; charset=utf-8")
        .body(serde_json::to_vec(&fresh).expect("serializes"))
        .send()
        .await
        .expect("answered");
    assert_eq!(resp.status(), 200);
    let calls = recorder.take();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].method, "lightroom_job_status");
    assert_eq!(
        calls[0].context.headers.get("x-adobe-event-code"),
        Some("lightroom-job-status")
    );
}
