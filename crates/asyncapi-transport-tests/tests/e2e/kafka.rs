use std::sync::Arc;
use std::time::Duration;

use asyncapi_transport::kafka::KafkaOptions;
use asyncapi_transport_tests::servers::{Kind, Server, require};
use asyncapi_transport_tests::{Record, WAIT, init_logs};
use streetlights_kafka::messages::{DimRequestsParams, LightMeasuredParams};
use streetlights_kafka::{Publisher, Router};

use crate::common::{assert_each_once, local, policy, streetlights_handler};

streetlights_handler!(streetlights_kafka, params);

fn lamp(id: &str) -> LightMeasuredParams {
    LightMeasuredParams {
        streetlight_id: id.to_owned(),
    }
}

fn options() -> KafkaOptions {
    KafkaOptions {
        send_timeout: Duration::from_secs(60),
        ..KafkaOptions::default()
    }
}

/// Against `tansu` with in-memory storage: delivery in a consumer group (from the
/// binding), redelivery by seeking back after a handler failure, request/reply over the
/// reply-topic headers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kafka_delivers_redelivers_and_replies() {
    run(false).await;
}

/// The same, then the broker restarted mid-run. An in-memory broker forgets its topics and
/// offsets when it stops, so this checks that what is sent while it is down still arrives
/// exactly once. Ignored: with tansu 0.6 in memory, librdkafka 2.12 crashes the test
/// process (SIGSEGV) when the restarted, empty broker answers; run it with `--ignored` to
/// see. The adapter's reconnect path is the same as the one librdkafka follows for a real
/// cluster's broker restart, which keeps its topics.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "librdkafka crashes against a restarted in-memory tansu; see the doc comment"]
async fn kafka_broker_restart_loses_nothing() {
    run(true).await;
}

async fn run(restart: bool) {
    if require("tansu", "kafka").is_none() {
        return;
    }
    init_logs();
    let mut server = Server::start(Kind::Tansu);
    let record = Arc::new(Record::default());
    record.fail_first(802, 2);
    // The generated crate's own `connect` (feature `kafka`).
    let client = streetlights_kafka::connect::local(local(&server.host()), options())
        .await
        .expect("connect");
    let publisher = Arc::new(Publisher::new(client.sink()));
    let first = [800, 801, 802, 803];
    // The topics exist before the consumer subscribes to their pattern.
    for (i, l) in first.iter().enumerate() {
        publisher
            .report_light(&lamp(&format!("lamp-{i}")), &light(*l))
            .await
            .unwrap_or_else(|e| panic!("publish: {e}\n{}", server.log()));
    }
    let serving = client
        .serve(Arc::new(Router::new(TestHandler(record.clone()))), policy())
        .await
        .expect("serve");
    assert_each_once(&record, &first, "kafka").await;
    assert_eq!(
        record.calls(802),
        3,
        "delivered again twice, then handled\n{}",
        record.summary()
    );
    assert_eq!(record.streetlight(803).as_deref(), Some("lamp-3"));
    publisher
        .request_dim(
            &DimRequestsParams {
                streetlight_id: "lamp-1".to_owned(),
            },
            &dim(85, "corr-kafka-1"),
        )
        .await
        .expect("request");
    let ok = record
        .wait(WAIT, |r| {
            r.replies().contains(&(Some("corr-kafka-1".to_owned()), 85))
        })
        .await;
    assert!(ok, "no reply\n{}", record.summary());

    if !restart {
        serving.shutdown().await;
        return;
    }
    server.stop();
    let during: Vec<u64> = (810..815).collect();
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
    let mut all = first.to_vec();
    all.extend(&during);
    assert_each_once(&record, &all, "kafka across the restart").await;
    serving.shutdown().await;
}
