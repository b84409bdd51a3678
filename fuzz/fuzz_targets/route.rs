//! Raw message bytes, on a known, a made-up or no address and with or without the headers the
//! routers read, dispatched by two generated routers (Adobe I/O Events: one webhook URL, a
//! `oneOf` envelope; streetlights over MQTT: channel parameters, a reply): every outcome is
//! `Ok` or a `DispatchError`, never a panic.
#![no_main]

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use asyncapi_runtime::{Headers, Incoming};
use libfuzzer_sys::fuzz_target;

/// Addresses a router knows, a parameter value with a `/` in it, and near misses.
const ADDRESSES: &[&str] = &[
    "experience-platform/dataset-ingestion",
    "lightroom/job-status",
    "photoshop/job-status",
    "streetlights/42/light/measured",
    "streetlights/a/b/light/measured",
    "streetlights//light/measured",
    "streetlights/42/dim",
    "streetlights/dim/replies",
    "",
    "/",
];

const EVENT_CODES: &[&str] = &[
    "platform_event",
    "com.adobe.platform.profile.update",
    "lr_job_status",
    "nope",
];

/// Polls a future whose handlers never wait (the stub handlers answer at once).
fn run<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    for _ in 0..1_000 {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
    panic!("a router waited on a stub handler");
}

fuzz_target!(|data: &[u8]| {
    let [mode, pick, header, rest @ ..] = data else {
        return;
    };
    // Bit 0: an address (else none); bit 1: the address is the input up to its first newline.
    let (address, payload) = if mode & 2 != 0 {
        let end = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
        let address = String::from_utf8_lossy(&rest[..end]).into_owned();
        (address, &rest[(end + 1).min(rest.len())..])
    } else {
        (
            ADDRESSES[usize::from(*pick) % ADDRESSES.len()].to_owned(),
            rest,
        )
    };
    let address = (mode & 1 != 0).then_some(address.as_str());
    let mut headers = Headers::new();
    if header & 1 != 0 {
        let code = EVENT_CODES[usize::from(header >> 1) % EVENT_CODES.len()];
        headers.insert("x-adobe-event-code", code);
    }
    if header & 0x80 != 0 {
        headers.insert("correlation-id", "fuzz");
    }
    let content_type = (mode & 4 != 0).then_some("application/json");
    let incoming = Incoming {
        address,
        headers: &headers,
        content_type,
        payload,
    };
    if mode & 8 == 0 {
        let router = adobe_io_events::router::Router::new(adobe_io_events::handlers::StubHandler);
        let _ = run(router.route(incoming));
    } else {
        let router =
            streetlights_mqtt::router::Router::new(streetlights_mqtt::handlers::StubHandler);
        let _ = run(router.route(incoming));
    }
});
