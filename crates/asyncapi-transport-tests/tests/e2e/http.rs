use std::sync::Arc;

use asyncapi_runtime::{Outgoing, Sink};
use asyncapi_transport::http::{HttpOptions, router};
use asyncapi_transport::{DeliveryPolicy, OnPermanent};
use asyncapi_transport_tests::{Record, WAIT, init_logs};
use streetlights_http::messages::{DimRequestsParams, LightMeasuredParams};
use streetlights_http::{Publisher, Router};

use crate::common::{assert_each_once, local, policy, streetlights_handler};

streetlights_handler!(streetlights_http, params);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_delivers_retries_after_a_failure_and_replies() {
    init_logs();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("an address").port();
    let server_record = Arc::new(Record::default());
    server_record.fail_first(702, 1);
    // Refuse what can never be handled (422), so that the sender keeps it.
    let refuse = DeliveryPolicy {
        on_permanent: OnPermanent::DeadLetter("the sender".to_owned()),
        ..policy()
    };
    let app = router(
        Arc::new(Router::new(TestHandler(server_record.clone()))),
        refuse,
    );
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let client_record = Arc::new(Record::default());
    // The generated crate's own `connect` (feature `http`).
    let sink = streetlights_http::connect::local(
        local(&format!("127.0.0.1:{port}")),
        HttpOptions::default(),
    )
    .expect("a sink")
    .with_replies(Arc::new(Router::new(TestHandler(client_record.clone()))));
    let publisher = Publisher::new(sink.clone());
    let all = [700, 701, 702, 703];
    for l in all {
        let params = LightMeasuredParams {
            streetlight_id: format!("lamp-{l}"),
        };
        publisher
            .report_light(&params, &light(l))
            .await
            .expect("send");
    }
    assert_each_once(&server_record, &all, "http").await;
    assert_eq!(server_record.calls(702), 2, "503, then retried by the sink");
    assert_eq!(server_record.streetlight(700).as_deref(), Some("lamp-700"));
    publisher
        .request_dim(
            &DimRequestsParams {
                streetlight_id: "lamp-1".to_owned(),
            },
            &dim(15, "corr-http-1"),
        )
        .await
        .expect("request");
    let ok = client_record
        .wait(WAIT, |r| {
            r.replies().contains(&(Some("corr-http-1".to_owned()), 15))
        })
        .await;
    assert!(ok, "no reply\n{}", client_record.summary());
    // What can never be handled is refused at once, not retried.
    let err = sink
        .send(Outgoing {
            address: "/streetlights/lamp-1/light/measured".to_owned(),
            headers: Default::default(),
            content_type: Some("application/json".to_owned()),
            payload: b"not json".to_vec(),
        })
        .await
        .expect_err("a bad payload is refused");
    assert!(err.to_string().contains("422"), "{err}");
    server.abort();
}
