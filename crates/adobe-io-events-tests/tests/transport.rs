//! The generated router behind the real Adobe transport (re-exported by the generated crate
//! as `adobe_io_events::transport`): a batch body split into events, and a journal read from
//! a local journal server, each event reaching the right typed handler method.

use std::net::SocketAddr;
use std::sync::Arc;

use adobe_io_events::Router;
use adobe_io_events::runtime::{Headers, Incoming};
use adobe_io_events::transport::envelope::{Limits, parse_body};
use adobe_io_events::transport::{
    JournalConfig, JournalPoller, MemoryPositionStore, Polled, Start, StaticToken,
};
use adobe_io_events_tests::{Recorder, same_json};
use serde_json::{Value, json};

fn ingestion(id: &str, code: &str) -> Value {
    json!({
        "event_id": id,
        "recipient_client_id": "7265cdc4d42b467fbb77878b5fba3d9b",
        "event": {
            "xdm:ingestionId": "01EGK9B4B2TF0D9NKAWA3J2TYR",
            "xdm:imsOrg": "C74F69D7594880280A495D09@AdobeOrg",
            "xdm:completed": 1598374341560_u64,
            "xdm:datasetId": "5e55b556c2ec5218a7b67180",
            "xdm:eventCode": code,
            "sentTime": "1598374341651",
            "header": {"_adobeio": {"imsOrgId": "C74F69D7594880280A495D09@AdobeOrg", "eventCode": "platform_event"}}
        }
    })
}

fn delivery_status_cloud_event(id: &str) -> Value {
    json!({
        "specversion": "1.0",
        "type": "com.adobe.campaign.delivery.status",
        "source": "urn:uuid:2f1c7a4e-9b8d-4c3e-a1f0-6d5e4c3b2a19",
        "id": id,
        "time": "2024-06-13T14:05:43.251Z",
        "datacontenttype": "application/json",
        "eventid": id,
        "recipientclientid": "7265cdc4d42b467fbb77878b5fba3d9b",
        "data": {
            "deliveryId": "DM1203",
            "recipientId": "12873",
            "status": "delivered",
            "timestamp": "2024-06-13T14:05:40Z"
        }
    })
}

#[tokio::test]
async fn a_batch_body_splits_into_events_for_their_own_handlers() {
    let batch = json!([
        ingestion("5a1c6f0e-6c1e-4b1b-9a0c-0b9d7c2f1e01", "ing_load_success"),
        delivery_status_cloud_event("c3f0b7e2-5d4a-4e8f-9b1c-2a3d4e5f6a7b")
    ]);
    let body = serde_json::to_vec(&batch).expect("serializes");
    let request: Headers = [("x-adobe-event-code", "platform_event")]
        .into_iter()
        .collect();
    let delivery =
        parse_body(&body, &request, &Limits::default()).expect("a batch Adobe could send");
    assert!(delivery.batch);
    let recorder = Recorder::default();
    let router = Router::new(recorder.clone());
    for event in &delivery.events {
        router
            .route(Incoming {
                address: None,
                headers: &event.headers,
                content_type: Some("application/json"),
                payload: &event.payload,
            })
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let calls = recorder.take();
    assert_eq!(
        calls.iter().map(|c| c.method).collect::<Vec<_>>(),
        ["dataset_ingestion", "delivery_status"]
    );
    assert!(same_json(&calls[0].payload, &batch[0]));
    assert!(same_json(&calls[1].payload, &batch[1]));
    assert_eq!(
        calls[1].context.headers.get("x-adobe-event-id"),
        Some("c3f0b7e2-5d4a-4e8f-9b1c-2a3d4e5f6a7b")
    );
}

/// A journal with one page of two events, then nothing new.
async fn journal_server() -> SocketAddr {
    use axum::extract::RawQuery;
    use axum::http::{HeaderMap, StatusCode, header};
    use axum::response::IntoResponse;
    async fn page(RawQuery(q): RawQuery, headers: HeaderMap) -> axum::response::Response {
        assert_eq!(
            headers.get("x-api-key").and_then(|v| v.to_str().ok()),
            Some("7265cdc4d42b467fbb77878b5fba3d9b")
        );
        assert_eq!(
            headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok()),
            Some("Bearer token-1")
        );
        let since = q.unwrap_or_default();
        if since.contains("since=pos-2") {
            return (StatusCode::NO_CONTENT, [("retry-after", "1")]).into_response();
        }
        let body = json!({
            "events": [
                {"position": "pos-1", "event": ingestion("0b8e4f3a-6f1d-4c1e-8a2b-1c2d3e4f5a61", "ps_load_success")},
                {"position": "pos-2", "event": delivery_status_cloud_event("0b8e4f3a-6f1d-4c1e-8a2b-1c2d3e4f5a62")}
            ],
            "_page": {"last": "pos-2", "count": 2}
        });
        (
            [
                (
                    header::LINK,
                    "</events/org/int/reg?since=pos-2>; rel=\"next\"",
                ),
                (header::CONTENT_TYPE, "application/json"),
            ],
            body.to_string(),
        )
            .into_response()
    }
    let app = axum::Router::new().route("/events/org/int/reg", axum::routing::get(page));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    addr
}

#[tokio::test]
async fn journal_events_reach_their_typed_handlers_and_the_position_is_kept() {
    let addr = journal_server().await;
    let recorder = Recorder::default();
    let mut config = JournalConfig::new(
        format!("http://{addr}/events/org/int/reg"),
        "7265cdc4d42b467fbb77878b5fba3d9b",
        "C74F69D7594880280A495D09@AdobeOrg",
        Arc::new(StaticToken("token-1".into())),
    );
    config.start = Start::Oldest;
    let positions = Arc::new(MemoryPositionStore::new(None));
    let mut poller = JournalPoller::new(Arc::new(Router::new(recorder.clone())), positions, config)
        .expect("valid config");
    let first = poller.poll_once().await.expect("a page");
    assert!(
        matches!(
            first,
            Polled::Page {
                events: 2,
                handled: 2,
                ..
            }
        ),
        "{first:?}"
    );
    assert_eq!(poller.committed(), Some("pos-2"));
    let second = poller.poll_once().await.expect("polls again");
    assert!(matches!(second, Polled::Empty { .. }), "{second:?}");
    let calls = recorder.take();
    assert_eq!(
        calls.iter().map(|c| c.method).collect::<Vec<_>>(),
        ["dataset_ingestion", "delivery_status"]
    );
    assert_eq!(
        calls[0].payload["event"]["xdm:eventCode"],
        "ps_load_success"
    );
}
