//! MQTT 3.1.1 and 5 on `rumqttc`.
//!
//! - Receive: one subscription per receive channel (`{param}` levels become `+`), at the
//!   QoS of the operation's `mqtt` binding (default 1). Acknowledgements are manual: a
//!   PUBACK (or PUBREC for QoS 2) goes out only once the router returned `Ok`. MQTT has no
//!   negative acknowledgement, so a retryable failure is dispatched again in place after
//!   the policy's delay, the message still unacknowledged at the broker (which delivers it
//!   again if the connection is lost meanwhile); a message given up on is published to the
//!   dead-letter topic, if any, and acknowledged.
//! - Send: QoS and retain from the send operation's binding; [`MqttSink::send`] returns
//!   once the broker acknowledged (PUBACK/PUBCOMP; QoS 0 once written). A publish lost
//!   with the session is sent again.
//! - MQTT 5: headers travel as user properties, the content type as the content type
//!   property; a request to a channel with a reply carries the reply address as response
//!   topic and the correlation ID (from the channel's correlation header) as correlation
//!   data; a reply goes to the request's response topic with its correlation data.
//!   MQTT 3.1.1 carries payloads only.
//! - Connection loss: `rumqttc` reconnects as it is polled; the adapter waits with
//!   exponential backoff between attempts, subscribes again on every CONNACK, and never
//!   acknowledges a message received on a connection that is gone. For nothing to be lost
//!   while disconnected, give a [`MqttOptions::client_id`] and keep `clean_session` false
//!   (the default then), so the broker keeps the session.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use asyncapi_runtime::{
    Action, ApiDescription, Dispatch, HandlerError, Headers, Incoming, Outgoing, Sink,
};
use backon::BackoffBuilder;
use bytes::Bytes;
use rumqttc::QoS;
use serde::Deserialize;
use tokio::sync::{mpsc, oneshot};

use crate::delivery::{Decision, DeliveryPolicy, dead_letter_headers, decide};
use crate::endpoint::Endpoint;
use crate::serving::{Serving, stopped};
use crate::{ConfigError, Error, pattern, read_binding};

mod config;
mod event_loop;

use config::*;
use event_loop::*;

/// Which MQTT version to speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    V311,
    V5,
}

/// Settings of an MQTT connection, over the document's bindings.
#[derive(Debug, Clone)]
pub struct MqttOptions {
    /// Client identifier; by default the server binding's `clientId`, else a random one
    /// (and then a clean session).
    pub client_id: Option<String>,
    /// Start a clean session; default false with a client id, true without.
    pub clean_session: Option<bool>,
    /// `None`: from the server's `protocolVersion` (`5` / `5.0` means 5), else 3.1.1.
    pub version: Option<Version>,
    pub keep_alive: Duration,
    /// QoS per channel name, over the operations' bindings.
    pub qos: HashMap<String, u8>,
    /// QoS when neither the document nor `qos` says (default 1, at least once).
    pub default_qos: u8,
    /// Retain flag per channel name, over the send operation's binding.
    pub retain: HashMap<String, bool>,
    /// How long [`MqttSink::send`] keeps trying (reconnects included) before failing.
    pub send_timeout: Duration,
    /// Wait before the first reconnection attempt, doubled up to `max_reconnect_delay`.
    pub reconnect_delay: Duration,
    pub max_reconnect_delay: Duration,
}

impl Default for MqttOptions {
    fn default() -> Self {
        MqttOptions {
            client_id: None,
            clean_session: None,
            version: None,
            keep_alive: Duration::from_secs(30),
            qos: HashMap::new(),
            default_qos: 1,
            retain: HashMap::new(),
            send_timeout: Duration::from_secs(30),
            reconnect_delay: Duration::from_millis(100),
            max_reconnect_delay: Duration::from_secs(5),
        }
    }
}

#[derive(Debug, Clone)]
enum RawClient {
    V4(rumqttc::AsyncClient),
    V5(rumqttc::v5::AsyncClient),
}

/// A publish the event loop has not confirmed yet.
type Waiter = oneshot::Sender<Result<(), String>>;

#[derive(Debug, Default)]
struct Pending {
    /// Publishes handed to the client, in order, not yet given a packet id.
    queued: VecDeque<Waiter>,
    /// Publishes sent with a packet id, waiting for PUBACK/PUBCOMP.
    inflight: HashMap<u16, Waiter>,
    /// How many of `queued` (from the front) were taken into the event loop's session state
    /// when the connection was lost: gone if the broker does not resume the session.
    lost: usize,
}

impl Pending {
    /// The broker started a new session: what was in flight or taken into the old
    /// session's state is gone (rumqttc drops it); later publishes are still on their way.
    fn fail_lost(&mut self, why: &str) {
        for (_, w) in self.inflight.drain() {
            let _ = w.send(Err(why.to_owned()));
        }
        let n = self.lost.min(self.queued.len());
        for w in self.queued.drain(..n) {
            let _ = w.send(Err(why.to_owned()));
        }
        self.lost = 0;
    }

    fn fail_all(&mut self, why: &str) {
        for w in self.queued.drain(..) {
            let _ = w.send(Err(why.to_owned()));
        }
        for (_, w) in self.inflight.drain() {
            let _ = w.send(Err(why.to_owned()));
        }
    }
}

#[derive(Debug)]
struct Shared {
    client: RawClient,
    version: Version,
    endpoint: String,
    sends: Vec<SendRule>,
    subscriptions: Vec<Subscription>,
    /// Correlation header of each receive channel, by template.
    receive_correlation: Vec<(asyncapi_runtime::AddressTemplate, &'static str)>,
    /// Serialises publishing with queueing its waiter, so both are in the same order.
    publish_lock: tokio::sync::Mutex<()>,
    pending: Mutex<Pending>,
    /// Connection generation; acknowledgements check it under this lock.
    generation: Mutex<u64>,
    deliveries: Mutex<Option<mpsc::Sender<Delivery>>>,
    send_timeout: Duration,
    /// How many SUBACKs the broker has sent: `serve` waits for its own before returning.
    subacks: tokio::sync::watch::Sender<u64>,
}

/// A connection to an MQTT broker: its event loop runs in the background from
/// [`MqttClient::connect`] on.
#[derive(Debug, Clone)]
pub struct MqttClient {
    shared: Arc<Shared>,
    loop_stop: Arc<tokio::sync::watch::Sender<bool>>,
}

/// The [`Sink`] of an [`MqttClient`], for a generated `Publisher`.
#[derive(Debug, Clone)]
pub struct MqttSink {
    shared: Arc<Shared>,
}

#[derive(Debug)]
enum RawPublish {
    V4(rumqttc::Publish),
    V5(rumqttc::v5::mqttbytes::v5::Publish),
}

#[derive(Debug)]
struct Delivery {
    generation: u64,
    topic: String,
    payload: Bytes,
    headers: Headers,
    content_type: Option<String>,
    response_topic: Option<String>,
    correlation_data: Option<Bytes>,
    raw: RawPublish,
}

struct Message {
    topic: String,
    payload: Vec<u8>,
    qos: QoS,
    retain: bool,
    headers: Headers,
    content_type: Option<String>,
    response_topic: Option<String>,
    correlation_data: Option<Vec<u8>>,
}

impl MqttClient {
    /// Connects to `endpoint` (protocols `mqtt`, `mqtts`, `secure-mqtt`) for the channels
    /// of `api`. The first connection is made in the background too: this returns at once,
    /// and sends wait for it.
    pub async fn connect(
        api: &'static ApiDescription,
        endpoint: &Endpoint,
        options: MqttOptions,
    ) -> Result<MqttClient, Error> {
        endpoint.expect_protocol(&["mqtt", "mqtts", "secure-mqtt", "mqtt5"])?;
        let server_binding: ServerBinding = match &endpoint.server {
            Some(name) => read_binding(
                api.server(name).ok().and_then(|s| s.binding("mqtt")),
                "mqtt",
                &format!("server `{name}`"),
            )?,
            None => ServerBinding::default(),
        };
        let version = options.version.unwrap_or_else(|| {
            match endpoint.protocol_version.as_deref().map(str::trim) {
                Some("5" | "5.0" | "5.0.0") => Version::V5,
                _ if endpoint.protocol == "mqtt5" => Version::V5,
                _ => Version::V311,
            }
        });
        let (sends, subscriptions, receive_correlation) = rules(api, &options)?;
        let client_id = options.client_id.clone().or(server_binding.client_id);
        let clean = options
            .clean_session
            .or(server_binding.clean_session)
            .unwrap_or(client_id.is_none());
        let client_id = client_id.unwrap_or_else(random_client_id);
        let keep_alive = server_binding
            .keep_alive
            .map(Duration::from_secs)
            .unwrap_or(options.keep_alive);
        let port_default = if endpoint.tls.is_some() { 8883 } else { 1883 };
        let port = endpoint.port.unwrap_or(port_default);
        let transport = transport(endpoint)?;
        let (client, eventloop) = match version {
            Version::V311 => {
                let mut o = rumqttc::MqttOptions::new(&client_id, &endpoint.host, port);
                o.set_keep_alive(keep_alive)
                    .set_clean_session(clean)
                    .set_manual_acks(true)
                    .set_transport(transport);
                if let Some(u) = &endpoint.username {
                    o.set_credentials(u, endpoint.password.clone().unwrap_or_default());
                }
                let (c, e) = rumqttc::AsyncClient::new(o, 1024);
                (RawClient::V4(c), Loop::V4(Box::new(e)))
            }
            Version::V5 => {
                let mut o = rumqttc::v5::MqttOptions::new(&client_id, &endpoint.host, port);
                o.set_keep_alive(keep_alive)
                    .set_clean_start(clean)
                    .set_manual_acks(true)
                    .set_transport(transport);
                if !clean {
                    // Keep the session (and the messages queued for it) for a day.
                    o.set_session_expiry_interval(Some(86_400));
                }
                if let Some(u) = &endpoint.username {
                    o.set_credentials(u, endpoint.password.clone().unwrap_or_default());
                }
                let (c, e) = rumqttc::v5::AsyncClient::new(o, 1024);
                (RawClient::V5(c), Loop::V5(Box::new(e)))
            }
        };
        let shared = Arc::new(Shared {
            client,
            version,
            endpoint: endpoint.describe(),
            sends,
            subscriptions,
            receive_correlation,
            publish_lock: tokio::sync::Mutex::new(()),
            pending: Mutex::new(Pending::default()),
            generation: Mutex::new(0),
            deliveries: Mutex::new(None),
            send_timeout: options.send_timeout,
            subacks: tokio::sync::watch::channel(0).0,
        });
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let backoff = backon::ExponentialBuilder::new()
            .with_min_delay(options.reconnect_delay)
            .with_max_delay(options.max_reconnect_delay)
            .with_jitter()
            .without_max_times();
        tokio::spawn(run_loop(shared.clone(), eventloop, backoff, stop_rx));
        Ok(MqttClient {
            shared,
            loop_stop: Arc::new(stop_tx),
        })
    }

    /// The sink for a generated `Publisher`.
    pub fn sink(&self) -> MqttSink {
        MqttSink {
            shared: self.shared.clone(),
        }
    }

    /// Subscribes to every receive channel and dispatches what arrives to `dispatch`, one
    /// message at a time (MQTT acknowledges in order). Only one `serve` per client.
    pub async fn serve<D: Dispatch + 'static>(
        &self,
        dispatch: Arc<D>,
        policy: DeliveryPolicy,
    ) -> Result<Serving, Error> {
        let (tx, rx) = mpsc::channel(256);
        {
            let mut slot = self.shared.deliveries.lock().expect("deliveries lock");
            if slot.is_some() {
                return Err(ConfigError::new("this MQTT client is already serving").into());
            }
            *slot = Some(tx);
        }
        // Returns once the broker has acknowledged every subscription, so that what is
        // published after `serve` returns reaches this client.
        let mut acks = self.shared.subacks.subscribe();
        let target = *acks.borrow_and_update() + self.shared.subscriptions.len() as u64;
        subscribe_all(&self.shared).await;
        let acked = tokio::time::timeout(self.shared.send_timeout, acks.wait_for(|n| *n >= target));
        if acked.await.is_err() {
            // Not connected yet, or a slow broker: the subscriptions are sent again on
            // every CONNACK, so serving goes on.
            tracing::warn!(endpoint = %self.shared.endpoint, "subscriptions not acknowledged in time");
        }
        let (mut serving, stop) = Serving::new();
        serving.push(tokio::spawn(worker(
            self.shared.clone(),
            dispatch,
            policy,
            rx,
            stop,
        )));
        Ok(serving)
    }

    /// Stops the event loop: the connection closes (its unacknowledged messages stay
    /// with the broker's session).
    pub async fn disconnect(&self) {
        let _ = match &self.shared.client {
            RawClient::V4(c) => c.disconnect().await.map_err(|e| e.to_string()),
            RawClient::V5(c) => c.disconnect().await.map_err(|e| e.to_string()),
        };
        let _ = self.loop_stop.send(true);
    }
}

impl Shared {
    /// Publishes once and waits for the broker's acknowledgement.
    async fn publish_once(&self, m: &Message) -> Result<(), String> {
        let (tx, rx) = oneshot::channel();
        {
            let _order = self.publish_lock.lock().await;
            self.pending
                .lock()
                .expect("pending lock")
                .queued
                .push_back(tx);
            let r = match &self.client {
                RawClient::V4(c) => c
                    .publish(m.topic.clone(), m.qos, m.retain, m.payload.clone())
                    .await
                    .map_err(|e| e.to_string()),
                RawClient::V5(c) => {
                    let props = rumqttc::v5::mqttbytes::v5::PublishProperties {
                        user_properties: m
                            .headers
                            .iter()
                            .map(|(k, v)| (k.to_owned(), v.to_owned()))
                            .collect(),
                        content_type: m.content_type.clone(),
                        response_topic: m.response_topic.clone(),
                        correlation_data: m.correlation_data.clone().map(Bytes::from),
                        ..Default::default()
                    };
                    c.publish_with_properties(
                        m.topic.clone(),
                        qos5(m.qos),
                        m.retain,
                        m.payload.clone(),
                        props,
                    )
                    .await
                    .map_err(|e| e.to_string())
                }
            };
            if let Err(e) = r {
                // Not queued: take our waiter back (it is the last one).
                self.pending.lock().expect("pending lock").queued.pop_back();
                return Err(e);
            }
        }
        rx.await
            .unwrap_or_else(|_| Err("the connection is closed".to_owned()))
    }

    /// Publishes, trying again (the session may be lost with the connection) until the
    /// send timeout.
    async fn publish(&self, m: Message) -> Result<(), Error> {
        let deadline = tokio::time::Instant::now() + self.send_timeout;
        let mut delays = backon::ExponentialBuilder::new()
            .with_min_delay(Duration::from_millis(50))
            .with_max_delay(Duration::from_secs(2))
            .without_max_times()
            .build();
        loop {
            let attempt = tokio::time::timeout_at(deadline, self.publish_once(&m)).await;
            let message = match attempt {
                Ok(Ok(())) => return Ok(()),
                Ok(Err(e)) => e,
                Err(_) => "no acknowledgement from the broker in time".to_owned(),
            };
            let delay = delays.next().unwrap_or(Duration::from_secs(2));
            if tokio::time::Instant::now() + delay >= deadline {
                return Err(Error::Send {
                    address: m.topic,
                    message,
                });
            }
            tracing::debug!(topic = %m.topic, %message, "MQTT publish failed; trying again");
            tokio::time::sleep(delay).await;
        }
    }

    fn message_for(&self, out: Outgoing) -> Message {
        let rule = self
            .sends
            .iter()
            .find(|r| r.template.matches(&out.address).is_some());
        let mut m = Message {
            qos: rule.map(|r| r.qos).unwrap_or(QoS::AtLeastOnce),
            retain: rule.is_some_and(|r| r.retain),
            response_topic: rule.and_then(|r| r.reply_to).map(str::to_owned),
            correlation_data: rule
                .and_then(|r| r.correlation_header)
                .and_then(|h| out.headers.get(h))
                .map(|v| v.as_bytes().to_vec()),
            topic: out.address,
            payload: out.payload,
            headers: out.headers,
            content_type: out.content_type,
        };
        if self.version == Version::V311 && !m.headers.is_empty() {
            tracing::debug!(topic = %m.topic, "MQTT 3.1.1 cannot carry headers; sent without them");
            m.headers = Headers::new();
        }
        m
    }

    fn ack(&self, d: &Delivery) -> bool {
        let g = self.generation.lock().expect("generation lock");
        if *g != d.generation {
            tracing::debug!(topic = %d.topic, "not acknowledged: its connection is gone, the broker delivers it again");
            return false;
        }
        let r = match (&self.client, &d.raw) {
            (RawClient::V4(c), RawPublish::V4(p)) => c.try_ack(p).map_err(|e| e.to_string()),
            (RawClient::V5(c), RawPublish::V5(p)) => c.try_ack(p).map_err(|e| e.to_string()),
            _ => Err("version mismatch".to_owned()),
        };
        if let Err(e) = r {
            tracing::warn!(topic = %d.topic, error = %e, "cannot acknowledge");
            return false;
        }
        true
    }
}

impl Sink for MqttSink {
    async fn send(&self, message: Outgoing) -> Result<(), HandlerError> {
        let m = self.shared.message_for(message);
        self.shared.publish(m).await.map_err(Into::into)
    }
}

async fn worker<D: Dispatch + 'static>(
    shared: Arc<Shared>,
    dispatch: Arc<D>,
    policy: DeliveryPolicy,
    mut rx: mpsc::Receiver<Delivery>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        let d = tokio::select! {
            _ = stopped(&mut stop) => break,
            d = rx.recv() => match d { Some(d) => d, None => break },
        };
        let mut headers = d.headers.clone();
        if let Some(data) = &d.correlation_data {
            let name = shared
                .receive_correlation
                .iter()
                .find(|(t, _)| t.matches(&d.topic).is_some())
                .map(|(_, h)| *h);
            if let (Some(name), Ok(text)) = (name, std::str::from_utf8(data)) {
                if headers.get(name).is_none() {
                    headers.insert(name, text);
                }
            }
        }
        let mut attempt = 1;
        loop {
            let incoming = Incoming {
                address: Some(&d.topic),
                headers: &headers,
                content_type: d.content_type.as_deref(),
                payload: &d.payload,
            };
            match decide(dispatch.as_ref(), incoming, attempt, &policy).await {
                Decision::Ack { reply } => {
                    if let Some(reply) = reply {
                        let mut m = shared.message_for(reply);
                        if let Some(rt) = &d.response_topic {
                            m.topic = rt.clone();
                        }
                        if d.correlation_data.is_some() {
                            m.correlation_data = d.correlation_data.as_ref().map(|b| b.to_vec());
                        }
                        m.response_topic = None;
                        if let Err(e) = shared.publish(m).await {
                            tracing::warn!(error = %e, "cannot send the reply; the request will be handled again");
                            attempt += 1;
                            tokio::time::sleep(policy.delay(attempt)).await;
                            continue;
                        }
                    }
                    shared.ack(&d);
                }
                Decision::Redeliver { delay, .. } => {
                    tokio::select! {
                        _ = stopped(&mut stop) => return,
                        _ = tokio::time::sleep(delay) => {}
                    }
                    if *shared.generation.lock().expect("generation lock") != d.generation {
                        // The broker delivers it again on the new connection.
                        break;
                    }
                    attempt += 1;
                    continue;
                }
                Decision::GiveUp { dead_letter, error } => {
                    if let Some(topic) = dead_letter {
                        let m = Message {
                            topic,
                            payload: d.payload.to_vec(),
                            qos: QoS::AtLeastOnce,
                            retain: false,
                            headers: if shared.version == Version::V5 {
                                dead_letter_headers(d.headers.clone(), Some(&d.topic), &error)
                            } else {
                                Headers::new()
                            },
                            content_type: d.content_type.clone(),
                            response_topic: None,
                            correlation_data: None,
                        };
                        if let Err(e) = shared.publish(m).await {
                            tracing::warn!(error = %e, "cannot dead-letter; left unacknowledged");
                            break;
                        }
                    }
                    shared.ack(&d);
                }
            }
            break;
        }
    }
}
