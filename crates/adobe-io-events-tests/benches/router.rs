//! Cost of the generated router on Experience Platform ingestion notifications
//! (`DatasetIngestionEvent`) of about 1 KB and 64 KB, against decoding the payload alone.
//!
//! Criterion group `router`, one benchmark per `<size>/<way>`:
//!
//! - `serde`: `serde_json::from_slice::<DatasetIngestionPayload>` only (the baseline);
//! - `by-address`: `Router::route` with the channel address and Adobe's headers;
//! - `one-url`: no address (one webhook URL for every event), the message chosen by the
//!   `x-adobe-event-code` header;
//! - `fallback`: no address and no `x-adobe-event-code`, so the router keeps the one message
//!   whose payload schema accepts the event, trying the candidates.
//!
//! Group `decode`: the generated `DatasetIngestionPayload` against a hand-written struct of
//! the same fields (`decode/handwritten`, `decode/generated`), on a 650-byte event.
//!
//! The handler does nothing, so `route`'s future is ready at its first poll: it is polled once
//! with a no-op waker, without any executor. Run with
//! `cargo bench -p adobe-io-events-tests --bench router`; the estimates are written to
//! `target/criterion/router/<size>/<way>/new/estimates.json`.

use std::hint::black_box;
use std::pin::pin;
use std::sync::atomic::Ordering;
use std::task::{Poll, Waker};
use std::time::Duration;

use adobe_io_events::Router;
use adobe_io_events::runtime::{DispatchError, Dispatched, Headers, Incoming};
use adobe_io_events::types::DatasetIngestionPayload;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

#[allow(
    dead_code,
    reason = "shared with the webhook bench, which uses other parts"
)]
#[path = "support/events.rs"]
mod events;

use events::{ADDRESS, Noop};

/// A base64 RSA-2048 signature as long as Adobe's (the router only checks its shape).
const SIGNATURE: &str = "dEpVXzba9AQE2Q2UjfWB2e0iy8/YsGiGqIAbX84y7/jge3g8Bzqy58rK+29ldwxVYV6PyDYebelp6LRjUS67Yt8Zs6Jm4cpJwWAmZk/kxqyMTgX8+54BFMqTL7Q49di+zxTaAIiOl+E79aEYaZtZeN9FWlXxVy1EjAxoZT9+t0+I76ZCEDPFRUv8sMJt9vWzd5eg6RcFx7qMM2R/oQ9bGpXRYcih73p+0yn5pXVQR8MdnhGB3Lq8uin6Al2FsRDBLiSt+PTNPIm07B0g/V/1Q+1v2EltzD002m2R0piWgLTNMx5nt9P4lbbYIIcLcqcgu4O1yKgoQTwobxhIJwSc8A==";

/// Polls `route`'s future once: a no-op handler never suspends, so it must be ready.
fn route_now(
    router: &Router<Noop>,
    address: Option<&str>,
    headers: &Headers,
    payload: &[u8],
) -> Result<Dispatched, DispatchError> {
    let future = pin!(router.route(Incoming {
        address,
        headers,
        content_type: Some("application/json"),
        payload,
    }));
    match future.poll(&mut std::task::Context::from_waker(Waker::noop())) {
        Poll::Ready(result) => result,
        Poll::Pending => panic!("the router suspended with a handler that never awaits"),
    }
}

/// One way of routing: its id and the address and headers it routes with.
struct Way<'a> {
    id: &'static str,
    address: Option<&'static str>,
    headers: &'a Headers,
}

fn bench(c: &mut Criterion) {
    let event_id = events::uuid(1);
    let pairs = events::delivery_headers(&event_id, 1, SIGNATURE);
    let with_code = events::router_headers(&pairs, true);
    let without_code = events::router_headers(&pairs, false);
    let ways = [
        Way {
            id: "by-address",
            address: Some(ADDRESS),
            headers: &with_code,
        },
        Way {
            id: "one-url",
            address: None,
            headers: &with_code,
        },
        Way {
            id: "fallback",
            address: None,
            headers: &without_code,
        },
    ];
    let sizes = [("1KB", 1024), ("64KB", 64 * 1024)];

    let noop = Noop::default();
    let router = Router::new(noop.clone());
    let payloads: Vec<(&str, Vec<u8>)> = sizes
        .iter()
        .map(|&(label, min_len)| {
            let bytes = serde_json::to_vec(&events::ingestion_event(&event_id, min_len))
                .expect("serializes");
            // Checked once before timing: the payload is a `DatasetIngestionPayload`, and each
            // way routes it to `Handler::dataset_ingestion`.
            let typed = serde_json::from_slice::<DatasetIngestionPayload>(&bytes)
                .unwrap_or_else(|e| panic!("{label}: not a DatasetIngestionPayload: {e}"));
            assert!(
                matches!(typed, DatasetIngestionPayload::AdobeIoEnvelope(_)),
                "{label}: {typed:?}"
            );
            for way in &ways {
                let before = noop.calls.dataset_ingestion.load(Ordering::Relaxed);
                let dispatched = route_now(&router, way.address, way.headers, &bytes)
                    .unwrap_or_else(|e| panic!("{label}/{}: {e}", way.id));
                assert_eq!(
                    (dispatched.operation, dispatched.message),
                    ("datasetIngestion", "DatasetIngestionEvent"),
                    "{label}/{}",
                    way.id
                );
                assert_eq!(
                    noop.calls.dataset_ingestion.load(Ordering::Relaxed),
                    before + 1,
                    "{label}/{}: the handler was not called",
                    way.id
                );
            }
            assert_eq!(noop.calls.other.load(Ordering::Relaxed), 0);
            eprintln!("{label} event: {} bytes", bytes.len());
            (label, bytes)
        })
        .collect();

    let mut group = c.benchmark_group("router");
    group
        .warm_up_time(Duration::from_millis(700))
        .measurement_time(Duration::from_secs(3))
        .sample_size(40);
    for (label, bytes) in &payloads {
        let bytes = bytes.as_slice();
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_function(BenchmarkId::new(*label, "serde"), |b| {
            b.iter(|| serde_json::from_slice::<DatasetIngestionPayload>(black_box(bytes)))
        });
        for way in &ways {
            group.bench_function(BenchmarkId::new(*label, way.id), |b| {
                b.iter(|| {
                    let result = route_now(&router, way.address, way.headers, black_box(bytes));
                    assert!(result.is_ok(), "{result:?}");
                    result
                })
            });
        }
    }
    group.finish();
}

/// What a user would write by hand for the same event: the fields the generated
/// `DatasetIngestionAdobeIoEnvelope` has, as plain strings and numbers, with no validation
/// (the generated newtypes check `minLength`/`pattern`), unknown fields skipped rather than
/// kept, and no choice between delivery formats.
#[allow(dead_code, reason = "the fields are decoded to be timed, not read")]
mod hand {
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    pub struct Envelope {
        pub event_id: String,
        #[serde(default)]
        pub recipient_client_id: Option<String>,
        pub event: Body,
    }

    #[derive(Debug, Deserialize)]
    pub struct Body {
        #[serde(rename = "xdm:ingestionId")]
        pub ingestion_id: String,
        #[serde(rename = "xdm:customerIngestionId", default)]
        pub customer_ingestion_id: Option<String>,
        #[serde(rename = "xdm:imsOrg")]
        pub ims_org: String,
        #[serde(rename = "xdm:completed")]
        pub completed: u64,
        #[serde(rename = "xdm:datasetId")]
        pub dataset_id: String,
        #[serde(rename = "xdm:eventCode")]
        pub event_code: String,
        #[serde(rename = "xdm:sandboxName", default)]
        pub sandbox_name: Option<String>,
        #[serde(rename = "sentTime", default)]
        pub sent_time: Option<String>,
        #[serde(rename = "processStartTime", default)]
        pub process_start_time: Option<u64>,
        #[serde(rename = "transformedTime", default)]
        pub transformed_time: Option<u64>,
        #[serde(default)]
        pub header: Option<Header>,
    }

    #[derive(Debug, Deserialize)]
    pub struct Header {
        #[serde(rename = "_adobeio", default)]
        pub adobeio: Option<AdobeIo>,
    }

    #[derive(Debug, Deserialize)]
    pub struct AdobeIo {
        #[serde(rename = "imsOrgId", default)]
        pub ims_org_id: Option<String>,
        #[serde(rename = "providerMetadata", default)]
        pub provider_metadata: Option<String>,
        #[serde(rename = "eventCode", default)]
        pub event_code: Option<String>,
    }
}

/// The generated payload type against a hand-written struct of the same fields, on the
/// event as Adobe sends it (no padding): group `decode`, ids `handwritten` and `generated`.
fn decode(c: &mut Criterion) {
    let mut event = events::ingestion_event(&events::uuid(2), 0);
    event["event"]
        .as_object_mut()
        .expect("an object")
        .remove("batchFiles");
    let bytes = serde_json::to_vec(&event).expect("serializes");
    let hand: hand::Envelope =
        serde_json::from_slice(&bytes).expect("the hand-written struct reads it");
    assert_eq!(hand.event.event_code, "ps_load_success");
    assert!(hand.recipient_client_id.is_some() && hand.event.header.is_some());
    match serde_json::from_slice::<DatasetIngestionPayload>(&bytes) {
        Ok(DatasetIngestionPayload::AdobeIoEnvelope(e)) => {
            assert!(e.additional_properties.is_empty() && e.event.additional_properties.is_empty())
        }
        other => panic!("{other:?}"),
    }
    eprintln!("decode event: {} bytes", bytes.len());
    let mut group = c.benchmark_group("decode");
    group
        .warm_up_time(Duration::from_millis(700))
        .measurement_time(Duration::from_secs(3))
        .sample_size(40)
        .throughput(Throughput::Bytes(bytes.len() as u64));
    group.bench_function("handwritten", |b| {
        b.iter(|| serde_json::from_slice::<hand::Envelope>(black_box(&bytes)).expect("decodes"))
    });
    group.bench_function("generated", |b| {
        b.iter(|| {
            serde_json::from_slice::<DatasetIngestionPayload>(black_box(&bytes)).expect("decodes")
        })
    });
    group.finish();
}

criterion_group!(benches, bench, decode);
criterion_main!(benches);
