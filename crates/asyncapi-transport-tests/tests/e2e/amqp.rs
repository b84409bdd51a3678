use std::sync::Arc;
use std::time::Duration;

use asyncapi_transport::ServerSettings;
use asyncapi_transport::amqp::AmqpOptions;
use asyncapi_transport_tests::servers::{Kind, Server, require};
use asyncapi_transport_tests::{Record, WAIT, init_logs};
use streetlights_amqp::messages::{DimRequestsParams, LightMeasuredParams};
use streetlights_amqp::{Publisher, Router};

use crate::common::{assert_each_once, local, policy, streetlights_handler};

streetlights_handler!(streetlights_amqp, params);

fn lamp(id: &str) -> LightMeasuredParams {
    LightMeasuredParams {
        streetlight_id: id.to_owned(),
    }
}

fn options() -> AmqpOptions {
    AmqpOptions {
        reconnect_delay: Duration::from_millis(100),
        max_reconnect_delay: Duration::from_secs(1),
        send_timeout: Duration::from_secs(90),
        ..AmqpOptions::default()
    }
}

/// One RabbitMQ (it takes seconds to start) for delivery, redelivery, reply and then a
/// restart in the middle of a run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn amqp_delivers_redelivers_replies_and_survives_a_broker_restart() {
    if require("/usr/lib/rabbitmq/bin/rabbitmq-server", "amqp").is_none() {
        return;
    }
    init_logs();
    let mut server = Server::start(Kind::RabbitMq);
    let settings = ServerSettings {
        username: Some("guest".to_owned()),
        password: Some("guest".to_owned()),
        ..local(&server.host())
    };
    let record = Arc::new(Record::default());
    record.fail_first(502, 2);
    // The generated crate's own `connect` (feature `amqp`).
    let client = streetlights_amqp::connect::local(settings, options())
        .await
        .expect("connect");
    assert_eq!(
        client.queue(),
        "streetlights-amqp-test",
        "the queue comes from the binding"
    );
    let serving = client
        .serve(Arc::new(Router::new(TestHandler(record.clone()))), policy())
        .await
        .unwrap_or_else(|e| panic!("serve: {e}\n{}", server.log()));
    let publisher = Arc::new(Publisher::new(client.sink()));
    let first = [500, 501, 502, 503];
    for (i, l) in first.iter().enumerate() {
        publisher
            .report_light(&lamp(&format!("lamp-{i}")), &light(*l))
            .await
            .expect("publish");
    }
    assert_each_once(&record, &first, "amqp").await;
    assert_eq!(
        record.calls(502),
        3,
        "nacked twice, then handled\n{}",
        record.summary()
    );
    assert_eq!(record.streetlight(503).as_deref(), Some("lamp-3"));
    publisher
        .request_dim(
            &DimRequestsParams {
                streetlight_id: "lamp-1".to_owned(),
            },
            &dim(70, "corr-amqp-1"),
        )
        .await
        .expect("request");
    let ok = record
        .wait(WAIT, |r| {
            r.replies().contains(&(Some("corr-amqp-1".to_owned()), 70))
        })
        .await;
    assert!(ok, "no reply\n{}", record.summary());

    // The broker goes away mid-run: sends wait for it, the receiver reconnects, the durable
    // queue keeps what was not handled yet.
    server.stop();
    let during: Vec<u64> = (510..520).collect();
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
    assert_each_once(&record, &all, "amqp across the restart").await;
    serving.shutdown().await;
}
