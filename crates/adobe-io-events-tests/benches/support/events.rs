//! What both benches share: a handler that does nothing, and Experience Platform ingestion
//! notifications (`DatasetIngestionEvent`) of a chosen size, with the headers Adobe sends.

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use adobe_io_events::Handler;
use adobe_io_events::messages::*;
use adobe_io_events::runtime::{Context, HandlerError, Headers};
use serde_json::{Value, json};

/// The recipient client id of every event (the receiver's own client id in the webhook bench).
pub const CLIENT_ID: &str = "7265cdc4d42b467fbb77878b5fba3d9b";
/// Event code of Experience Platform notifications (FACTS.md §7).
pub const EVENT_CODE: &str = "platform_event";
/// Address of the `experiencePlatformDatasetIngestion` channel in the spec.
pub const ADDRESS: &str = "experience-platform/dataset-ingestion";
/// Key paths as Adobe sends them (`/prod/keys/pub-key-<id>.pem`).
pub const KEY_PATH_1: &str = "/prod/keys/pub-key-0a1ff49f-099d-4d2f-8d41-a49957e551a1.pem";
pub const KEY_PATH_2: &str = "/prod/keys/pub-key-7d3b9e2c-1f4a-4c8e-9b6d-2e5f8a1c3d7b.pem";

/// Calls per handler method, shared with whoever made the handler.
#[derive(Debug, Default)]
pub struct Calls {
    pub dataset_ingestion: AtomicUsize,
    pub other: AtomicUsize,
}

/// A handler that only `black_box`es the typed message and counts the call. It never awaits,
/// so the future the router returns is ready at its first poll.
#[derive(Debug, Clone, Default)]
pub struct Noop {
    pub calls: Arc<Calls>,
}

macro_rules! noop_methods {
    ($($method:ident: $msg:ty => $counter:ident),* $(,)?) => {
        impl Handler for Noop {
            $(
                async fn $method(&self, message: $msg, context: Context) -> Result<(), HandlerError> {
                    black_box(message);
                    black_box(context);
                    self.calls.$counter.fetch_add(1, Ordering::Relaxed);
                    Ok(())
                }
            )*
        }
    };
}

noop_methods! {
    dataset_ingestion: DatasetIngestionEvent => dataset_ingestion,
    profile_update: ProfileUpdateEvent => other,
    segment_evaluation: SegmentEvaluationEvent => other,
    report_suite_change: ReportSuiteChangeEvent => other,
    delivery_status: DeliveryStatusEvent => other,
    workflow_execution: WorkflowExecutionEvent => other,
    activity_state_change: ActivityStateChangeEvent => other,
    journey_step: JourneyStepEvent => other,
    lightroom_job_status: LightroomJobStatusEvent => other,
    photoshop_job_status: PhotoshopJobStatusEvent => other,
}

/// A UUID (version 4 layout) unique to `n`, as Adobe's event and delivery ids are.
pub fn uuid(n: u64) -> String {
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        (n >> 32) as u32 ^ 0x5a1c_6f0e,
        (n >> 16) & 0xffff,
        n & 0xfff,
        (n >> 12) & 0xfff,
        n & 0xffff_ffff_ffff
    )
}

/// One per-file summary of the loaded batch, the unit the event is grown by.
fn file_summary(i: usize) -> Value {
    json!({
        "path": format!("acp_foundation_push/stream/01J0DA0K5YF3H8PC2QW6TRM9ZB/part-{i:05}-c000.snappy.parquet"),
        "records": 18_233 + i * 7,
        "bytes": 4_213_422 + i * 131,
        "status": "loaded"
    })
}

/// An ingestion notification in the `adobe_io` format, shaped like the spec's
/// `profileLoadSucceededAdobeIoRetry` example, of at least `min_len` bytes once serialized.
///
/// `DatasetIngestionBody` declares no array or free-form field, but it does not forbid
/// unlisted properties (the generated type keeps them in `additional_properties`), so the event
/// is grown with one: `batchFiles`, an array of per-file summaries. That name is ours, not
/// Adobe's; the event still decodes as `DatasetIngestionPayload`.
pub fn ingestion_event(event_id: &str, min_len: usize) -> Value {
    let mut event = json!({
        "event_id": event_id,
        "event": {
            "xdm:ingestionId": "01J0DA0K5YF3H8PC2QW6TRM9ZB",
            "xdm:customerIngestionId": "01J0DA0K5YF3H8PC2QW6TRM9ZB",
            "xdm:imsOrg": "C74F69D7594880280A495D09@AdobeOrg",
            "xdm:completed": 1_718_291_107_845_u64,
            "xdm:datasetId": "63f7a2c1e4b0d91f8a2c5b7e",
            "xdm:eventCode": "ps_load_success",
            "xdm:sandboxName": "prod",
            "sentTime": "1718291107880",
            "processStartTime": 1_718_291_108_611_u64,
            "transformedTime": 1_718_291_108_617_u64,
            "header": {
                "_adobeio": {
                    "imsOrgId": "C74F69D7594880280A495D09@AdobeOrg",
                    "providerMetadata": "aep_observability_catalog_events",
                    "eventCode": EVENT_CODE
                }
            },
            "batchFiles": []
        },
        "recipient_client_id": CLIENT_ID
    });
    let mut len = serde_json::to_vec(&event).expect("serializes").len();
    let mut i = 0;
    while len < min_len {
        let file = file_summary(i);
        len += serde_json::to_vec(&file).expect("serializes").len() + 1;
        event["event"]["batchFiles"]
            .as_array_mut()
            .expect("an array")
            .push(file);
        i += 1;
    }
    event
}

/// The headers of a webhook delivery of one event (FACTS.md §4), signatures included,
/// without `x-adobe-retry-count` (a first attempt).
pub fn delivery_headers(
    event_id: &str,
    delivery: u64,
    signature: &str,
) -> Vec<(&'static str, String)> {
    vec![
        ("x-adobe-event-code", EVENT_CODE.to_owned()),
        ("x-adobe-event-id", event_id.to_owned()),
        ("x-adobe-delivery-id", uuid(delivery ^ 0xdead_beef)),
        ("x-request-id", format!("PY0CiKKW8HKkFMNG{delivery:016x}")),
        (
            "x-adobe-provider",
            "aep_observability_catalog_events".to_owned(),
        ),
        ("x-adobe-digital-signature-1", signature.to_owned()),
        ("x-adobe-digital-signature-2", signature.to_owned()),
        ("x-adobe-public-key1-path", KEY_PATH_1.to_owned()),
        ("x-adobe-public-key2-path", KEY_PATH_2.to_owned()),
        ("user-agent", "Adobe/1.0".to_owned()),
        ("content-type", "application/json; charset=utf-8".to_owned()),
    ]
}

/// `delivery_headers` as the router's `Headers`, leaving out `x-adobe-event-code` unless
/// `with_code`.
pub fn router_headers(pairs: &[(&'static str, String)], with_code: bool) -> Headers {
    pairs
        .iter()
        .filter(|(name, _)| with_code || *name != "x-adobe-event-code")
        .map(|(name, value)| (*name, value.as_str()))
        .collect()
}
