use std::sync::Arc;
use std::time::Duration;

use asyncapi_runtime::{Outgoing, Sink};
use asyncapi_transport::mqtt::{MqttClient, MqttOptions};
use asyncapi_transport_tests::servers::{Kind, Server, require};
use asyncapi_transport_tests::{Record, WAIT, init_logs};
use streetlights_mqtt::messages::{DimRequestsParams, LightMeasuredParams};
use streetlights_mqtt::{Publisher, Router};

use crate::common::{assert_each_once, endpoint, local, policy, streetlights_handler};

streetlights_handler!(streetlights_mqtt, params);

fn lamp(id: &str) -> LightMeasuredParams {
    LightMeasuredParams {
        streetlight_id: id.to_owned(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mqtt_delivers_redelivers_after_a_failure_and_replies() {
    if require("mosquitto", "mqtt").is_none() {
        return;
    }
    init_logs();
    let server = Server::start(Kind::Mosquitto);
    let record = Arc::new(Record::default());
    record.fail_first(102, 1);
    let options = MqttOptions {
        client_id: Some("mqtt-e2e".to_owned()),
        ..MqttOptions::default()
    };
    // The generated crate's own `connect` (feature `mqtt`).
    let client = streetlights_mqtt::connect::local(local(&server.host()), options)
        .await
        .expect("connect");
    let serving = client
        .serve(Arc::new(Router::new(TestHandler(record.clone()))), policy())
        .await
        .expect("serve");
    let publisher = Publisher::new(client.sink());
    let all = [100, 101, 102, 103];
    for (i, l) in all.iter().enumerate() {
        publisher
            .report_light(&lamp(&format!("lamp-{i}")), &light(*l))
            .await
            .expect("publish");
    }
    // A payload that fits no message: given up on, never handed to the handler.
    client
        .sink()
        .send(Outgoing {
            address: "streetlights/lamp-9/light/measured".to_owned(),
            headers: Default::default(),
            content_type: Some("application/json".to_owned()),
            payload: br#"{"lumens":"bright"}"#.to_vec(),
        })
        .await
        .expect("publish a bad payload");
    assert_each_once(&record, &all, "mqtt").await;
    assert_eq!(
        record.calls(102),
        2,
        "the failed message is delivered again\n{}",
        record.summary()
    );
    assert_eq!(
        record.streetlight(101).as_deref(),
        Some("lamp-1"),
        "parameters are recovered"
    );

    // Request/reply over the MQTT 5 response topic and correlation data.
    publisher
        .request_dim(
            &DimRequestsParams {
                streetlight_id: "lamp-2".to_owned(),
            },
            &dim(40, "corr-mqtt-1"),
        )
        .await
        .expect("request");
    let ok = record
        .wait(WAIT, |r| {
            r.replies().contains(&(Some("corr-mqtt-1".to_owned()), 40))
        })
        .await;
    assert!(ok, "no reply\n{}", record.summary());
    serving.shutdown().await;
    client.disconnect().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mqtt_broker_restart_loses_nothing() {
    if require("mosquitto", "mqtt").is_none() {
        return;
    }
    init_logs();
    let mut server = Server::start(Kind::Mosquitto);
    let ep = endpoint(&streetlights_mqtt::API, server.host());
    let record = Arc::new(Record::default());
    let options = MqttOptions {
        client_id: Some("mqtt-restart".to_owned()),
        reconnect_delay: Duration::from_millis(50),
        max_reconnect_delay: Duration::from_millis(500),
        ..MqttOptions::default()
    };
    let client = MqttClient::connect(&streetlights_mqtt::API, &ep, options)
        .await
        .expect("connect");
    let serving = client
        .serve(Arc::new(Router::new(TestHandler(record.clone()))), policy())
        .await
        .expect("serve");
    let publisher = Arc::new(Publisher::new(client.sink()));
    let before: Vec<u64> = (200..210).collect();
    for l in &before {
        publisher
            .report_light(&lamp("lamp-a"), &light(*l))
            .await
            .expect("publish");
    }
    assert_each_once(&record, &before, "mqtt before the restart").await;

    server.stop();
    // Sent while the broker is down: each send waits for the broker's acknowledgement.
    let during: Vec<u64> = (210..220).collect();
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
    assert_each_once(&record, &all, "mqtt across the restart").await;
    serving.shutdown().await;
    client.disconnect().await;
}

/// MQTT 3.1.1 carries payloads only: delivery, redelivery and a reply to the reply
/// channel's fixed address still work; the correlation ID (a header) does not travel.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mqtt_3_1_1_delivers_redelivers_and_replies() {
    if require("mosquitto", "mqtt").is_none() {
        return;
    }
    init_logs();
    let server = Server::start(Kind::Mosquitto);
    let ep = endpoint(&streetlights_mqtt::API, server.host());
    let record = Arc::new(Record::default());
    record.fail_first(902, 1);
    let options = MqttOptions {
        version: Some(asyncapi_transport::mqtt::Version::V311),
        client_id: Some("mqtt-311".to_owned()),
        ..MqttOptions::default()
    };
    let client = MqttClient::connect(&streetlights_mqtt::API, &ep, options)
        .await
        .expect("connect");
    let serving = client
        .serve(Arc::new(Router::new(TestHandler(record.clone()))), policy())
        .await
        .expect("serve");
    let publisher = Publisher::new(client.sink());
    let all = [900, 901, 902];
    for l in all {
        publisher
            .report_light(&lamp("lamp-311"), &light(l))
            .await
            .expect("publish");
    }
    assert_each_once(&record, &all, "mqtt 3.1.1").await;
    assert_eq!(record.calls(902), 2, "dispatched again after the failure");
    publisher
        .request_dim(
            &DimRequestsParams {
                streetlight_id: "lamp-311".to_owned(),
            },
            &dim(30, "corr-311"),
        )
        .await
        .expect("request");
    let ok = record
        .wait(WAIT, |r| r.replies().contains(&(None, 30)))
        .await;
    assert!(ok, "no reply\n{}", record.summary());
    serving.shutdown().await;
    client.disconnect().await;
}
