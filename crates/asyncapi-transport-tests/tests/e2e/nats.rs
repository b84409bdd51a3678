use std::sync::Arc;
use std::time::Duration;

use asyncapi_transport::nats::{JetStreamOptions, NatsClient, NatsOptions};
use asyncapi_transport_tests::servers::{Kind, Server, require};
use asyncapi_transport_tests::{Record, WAIT, init_logs};
use streetlights_nats::messages::{DimRequestsParams, LightMeasuredParams};
use streetlights_nats::{Publisher, Router};

use crate::common::{assert_each_once, endpoint, local, policy, streetlights_handler};

streetlights_handler!(streetlights_nats, params);

fn lamp(id: &str) -> LightMeasuredParams {
    LightMeasuredParams {
        streetlight_id: id.to_owned(),
    }
}

fn jetstream(consumer: &str) -> NatsOptions {
    NatsOptions {
        jetstream: Some(JetStreamOptions {
            stream: "STREETLIGHTS".to_owned(),
            consumer: consumer.to_owned(),
            ack_wait: Duration::from_secs(30),
        }),
        reconnect_delay: Duration::from_millis(50),
        max_reconnect_delay: Duration::from_millis(500),
        ..NatsOptions::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nats_core_delivers_redelivers_after_a_failure_and_replies() {
    if require("nats-server", "nats").is_none() {
        return;
    }
    init_logs();
    let server = Server::start(Kind::Nats);
    let record = Arc::new(Record::default());
    record.fail_first(302, 1);
    // The generated crate's own `connect` (feature `nats`).
    let client = streetlights_nats::connect::local(local(&server.host()), NatsOptions::default())
        .await
        .expect("connect");
    let serving = client
        .serve(Arc::new(Router::new(TestHandler(record.clone()))), policy())
        .await
        .expect("serve");
    let publisher = Publisher::new(client.sink());
    let all = [300, 301, 302, 303];
    for (i, l) in all.iter().enumerate() {
        publisher
            .report_light(&lamp(&format!("lamp-{i}")), &light(*l))
            .await
            .expect("publish");
    }
    assert_each_once(&record, &all, "nats").await;
    assert_eq!(
        record.calls(302),
        2,
        "dispatched again after the failure\n{}",
        record.summary()
    );
    assert_eq!(record.streetlight(303).as_deref(), Some("lamp-3"));
    // Request/reply over the reply subject.
    publisher
        .request_dim(
            &DimRequestsParams {
                streetlight_id: "lamp-1".to_owned(),
            },
            &dim(25, "corr-nats-1"),
        )
        .await
        .expect("request");
    let ok = record
        .wait(WAIT, |r| {
            r.replies().contains(&(Some("corr-nats-1".to_owned()), 25))
        })
        .await;
    assert!(ok, "no reply\n{}", record.summary());
    serving.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nats_jetstream_redelivers_and_survives_a_server_restart() {
    if require("nats-server", "nats").is_none() {
        return;
    }
    init_logs();
    let mut server = Server::start(Kind::Nats);
    let ep = endpoint(&streetlights_nats::API, server.host());
    let record = Arc::new(Record::default());
    record.fail_first(402, 2);
    let client = NatsClient::connect(&streetlights_nats::API, &ep, jetstream("streetlights-test"))
        .await
        .expect("connect");
    let serving = client
        .serve(Arc::new(Router::new(TestHandler(record.clone()))), policy())
        .await
        .expect("serve");
    let publisher = Arc::new(Publisher::new(client.sink()));
    let before: Vec<u64> = (400..410).collect();
    for l in &before {
        publisher
            .report_light(&lamp("lamp-a"), &light(*l))
            .await
            .expect("publish");
    }
    assert_each_once(&record, &before, "jetstream before the restart").await;
    assert_eq!(
        record.calls(402),
        3,
        "nak'd twice, then handled\n{}",
        record.summary()
    );

    server.stop();
    let during: Vec<u64> = (410..420).collect();
    let sends: Vec<_> = during
        .iter()
        .map(|l| {
            let p = publisher.clone();
            let l = *l;
            tokio::spawn(async move { p.report_light(&lamp("lamp-b"), &light(l)).await })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(500)).await;
    server.restart();
    for s in sends {
        s.await
            .expect("a send task")
            .expect("a send after the restart");
    }
    let mut all = before.clone();
    all.extend(&during);
    assert_each_once(&record, &all, "jetstream across the restart").await;
    serving.shutdown().await;
}
