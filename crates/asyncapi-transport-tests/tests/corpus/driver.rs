//! Copied into the scratch workspaces of `tests/corpus_mqtt.rs` (not compiled in this
//! workspace): two crates generated from one of the corpus's streetlights MQTT documents, one
//! from each side (`names.rs`, written by the test, says what the document calls things), talking through a real mosquitto whose `host:port` is the first argument.
//! The client side reports light measurements (one handler failure on the way), the app side
//! receives them and sends a turn-on command back; prints `ok: ...` when all arrived.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use asyncapi_runtime::{Context, HandlerError};
use corpus_lights_app as app;
use corpus_lights_client as client;

mod names;
use names::*;

#[derive(Default)]
struct Seen {
    calls: HashMap<u64, u32>,
    handled: HashMap<u64, u32>,
    streetlights: Vec<String>,
    turned_on: Vec<String>,
}

struct AppHandler(Arc<Mutex<Seen>>);

impl app::Handler for AppHandler {
    async fn receive_light_measurement(
        &self,
        message: AppMeasured,
        params: AppMeasuredParams,
        _context: Context,
    ) -> Result<(), HandlerError> {
        let lumens = message.payload.lumens.unwrap_or_default();
        let mut seen = self.0.lock().expect("lock");
        let calls = seen.calls.entry(lumens).or_default();
        *calls += 1;
        if lumens == 102 && *calls == 1 {
            return Err(String::from("the first delivery of 102 fails").into());
        }
        *seen.handled.entry(lumens).or_default() += 1;
        seen.streetlights.push(params.streetlight_id);
        Ok(())
    }
}

struct ClientHandler(Arc<Mutex<Seen>>);

impl client::Handler for ClientHandler {
    async fn turn_on(
        &self,
        message: ClientTurnOn,
        params: ClientTurnOnParams,
        _context: Context,
    ) -> Result<(), HandlerError> {
        let command = serde_json::to_value(&message.payload).expect("serializes");
        assert_eq!(command["command"], "on", "{command}");
        self.0.lock().expect("lock").turned_on.push(params.streetlight_id);
        Ok(())
    }

    async fn turn_off(
        &self,
        _message: ClientTurnOff,
        _params: ClientTurnOffParams,
        _context: Context,
    ) -> Result<(), HandlerError> {
        Ok(())
    }

    async fn dim_light(
        &self,
        _message: ClientDim,
        _params: ClientDimParams,
        _context: Context,
    ) -> Result<(), HandlerError> {
        Ok(())
    }
}

fn policy() -> app::transport::DeliveryPolicy {
    app::transport::DeliveryPolicy {
        retry_delay: Duration::from_millis(50),
        max_retry_delay: Duration::from_millis(500),
        ..app::transport::DeliveryPolicy::default()
    }
}

#[tokio::main]
async fn main() {
    let host = std::env::args().nth(1).expect("the broker's host:port");
    let settings = || app::transport::ServerSettings {
        host: Some(host.clone()),
        ..app::transport::ServerSettings::default()
    };
    let options = |id: &str| app::transport::mqtt::MqttOptions {
        client_id: Some(id.to_owned()),
        ..app::transport::mqtt::MqttOptions::default()
    };
    let seen = Arc::new(Mutex::new(Seen::default()));

    // The generated `connect::production` of each side, pointed at the local broker.
    let app_side = app::connect::production(settings(), options("corpus-app"))
        .await
        .expect("the app side connects");
    let app_serving = app_side
        .serve(Arc::new(app::Router::new(AppHandler(seen.clone()))), policy())
        .await
        .expect("the app side subscribes");
    let client_side = client::connect::production(settings(), options("corpus-client"))
        .await
        .expect("the client side connects");
    let client_serving = client_side
        .serve(
            Arc::new(client::Router::new(ClientHandler(seen.clone()))),
            policy(),
        )
        .await
        .expect("the client side subscribes");

    let reporter = client::Publisher::new(client_side.sink());
    let all = [100_u64, 101, 102, 103];
    for (i, lumens) in all.iter().enumerate() {
        let message = ClientMeasured {
            payload: serde_json::from_value(serde_json::json!({
                "lumens": lumens,
                "sentAt": "2026-12-03T10:00:00Z",
            }))
            .expect("a payload"),
            headers: Default::default(),
        };
        let params = ClientMeasuredParams {
            streetlight_id: format!("lamp-{i}"),
        };
        reporter
            .receive_light_measurement(&params, &message)
            .await
            .expect("the measurement is sent");
    }
    let commander = app::Publisher::new(app_side.sink());
    let on = AppTurnOn {
        payload: serde_json::from_value(serde_json::json!({"command": "on"})).expect("a payload"),
        headers: Default::default(),
    };
    let params = AppTurnOnParams {
        streetlight_id: "lamp-7".to_owned(),
    };
    commander.turn_on(&params, &on).await.expect("the command is sent");

    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        {
            let s = seen.lock().expect("lock");
            let done = all.iter().all(|l| s.handled.get(l) == Some(&1)) && !s.turned_on.is_empty();
            if done || Instant::now() > deadline {
                let summary = format!(
                    "calls {:?}, handled {:?}, streetlights {:?}, turned on {:?}",
                    s.calls, s.handled, s.streetlights, s.turned_on
                );
                assert!(done, "not everything arrived: {summary}");
                assert_eq!(s.calls.get(&102), Some(&2), "{summary}");
                assert_eq!(s.turned_on, ["lamp-7"], "{summary}");
                let mut lights = s.streetlights.clone();
                lights.sort();
                assert_eq!(lights, ["lamp-0", "lamp-1", "lamp-2", "lamp-3"], "{summary}");
                println!("ok: {summary}");
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        seen.lock().expect("lock").handled.values().sum::<u32>(),
        4,
        "nothing is handled twice after the fact"
    );
    app_serving.shutdown().await;
    client_serving.shutdown().await;
}
