//! NATS core and JetStream on `async-nats`.
//!
//! - Core NATS (the default): one subscription per receive channel (`{param}` tokens become
//!   `*`), in the queue group of the operation's `nats` binding (`queue`) when it has one.
//!   Core NATS has no acknowledgements: a retryable failure is dispatched again in place
//!   after the policy's delay; a message given up on is published to the dead-letter
//!   subject, if any.
//! - JetStream ([`NatsOptions::jetstream`]): a stream over the receive subjects and a
//!   durable pull consumer with explicit acks. `Ok` acks; a retryable failure naks with
//!   the policy's delay (the server delivers it again; the attempt is the server's
//!   delivery count); a message given up on is published to the dead-letter subject, if
//!   any, and terminated (`+TERM`). Sends are JetStream publishes that wait for the
//!   stream's ack.
//! - Request/reply: a request to a channel with a reply carries the reply channel's
//!   address as reply subject (or, when it has none, a subject under this client's inbox,
//!   which `serve` listens on); a reply goes to the request's reply subject.
//! - Headers travel as NATS headers, the content type as `content-type`.
//! - Connection loss: `async-nats` reconnects (the delay doubles from
//!   [`NatsOptions::reconnect_delay`]) and subscribes again by itself; JetStream consumers
//!   are durable on the server, so nothing unacknowledged is lost.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_nats::jetstream;
use asyncapi_runtime::{
    Action, AddressTemplate, ApiDescription, Dispatch, HandlerError, Headers, Incoming, Outgoing,
    Sink,
};
use bytes::Bytes;
use futures_util::StreamExt;
use serde::Deserialize;

use crate::delivery::{Decision, DeliveryPolicy, dead_letter_headers, decide};
use crate::endpoint::Endpoint;
use crate::serving::{Serving, stopped};
use crate::{Error, pattern, read_binding};

/// Header a request carries its reply subject in too (JetStream does not keep the NATS
/// reply subject of what it stores).
pub const REPLY_TO_HEADER: &str = "reply-to";

/// JetStream settings: where received messages are kept.
#[derive(Debug, Clone)]
pub struct JetStreamOptions {
    /// Stream name (created when missing, over every receive subject).
    pub stream: String,
    /// Durable consumer name.
    pub consumer: String,
    /// How long the server waits for an ack before delivering again (default 30 s).
    pub ack_wait: Duration,
}

/// Settings of a NATS connection.
#[derive(Debug, Clone)]
pub struct NatsOptions {
    /// Use JetStream for receiving and sending; core NATS when `None`.
    pub jetstream: Option<JetStreamOptions>,
    /// Queue group per channel name, over the operations' `queue` binding.
    pub queue: std::collections::HashMap<String, String>,
    /// First reconnection delay, doubled up to `max_reconnect_delay`.
    pub reconnect_delay: Duration,
    pub max_reconnect_delay: Duration,
    /// How long a send keeps trying before failing.
    pub send_timeout: Duration,
    /// Client name shown by the server.
    pub name: Option<String>,
}

impl Default for NatsOptions {
    fn default() -> Self {
        NatsOptions {
            jetstream: None,
            queue: Default::default(),
            reconnect_delay: Duration::from_millis(100),
            max_reconnect_delay: Duration::from_secs(5),
            send_timeout: Duration::from_secs(30),
            name: None,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
struct OperationBinding {
    queue: Option<String>,
}

#[derive(Debug, Clone)]
struct SendRule {
    template: AddressTemplate,
    reply_to: Option<&'static str>,
    /// The request has a reply whose channel has no fixed address: use an inbox.
    reply_inbox: bool,
}

#[derive(Debug)]
struct Shared {
    client: async_nats::Client,
    js: Option<(jetstream::Context, JetStreamOptions)>,
    api: &'static ApiDescription,
    sends: Vec<SendRule>,
    subscriptions: Vec<(String, Option<String>)>,
    inbox: String,
    next_inbox: AtomicU64,
    send_timeout: Duration,
}

/// A connection to a NATS server.
#[derive(Debug, Clone)]
pub struct NatsClient {
    shared: Arc<Shared>,
}

/// The [`Sink`] of a [`NatsClient`].
#[derive(Debug, Clone)]
pub struct NatsSink {
    shared: Arc<Shared>,
}

impl NatsClient {
    /// Connects to `endpoint` (`nats`, `nats-tls`, `tls`); retries the first connection
    /// in the background too.
    pub async fn connect(
        api: &'static ApiDescription,
        endpoint: &Endpoint,
        options: NatsOptions,
    ) -> Result<NatsClient, Error> {
        endpoint.expect_protocol(&["nats", "nats-tls", "tls"])?;
        let mut subscriptions = Vec::new();
        for (c, o) in pattern::receive_channels(api) {
            let place = format!("operation `{}` of channel `{}`", o.name, c.name);
            let b: OperationBinding = read_binding(o.binding("nats"), "nats", &place)?;
            let queue = options.queue.get(c.name).cloned().or(b.queue);
            let subject = pattern::nats_subject(c.address.unwrap_or_default());
            if !subscriptions.iter().any(|(s, _)| *s == subject) {
                subscriptions.push((subject, queue));
            }
        }
        let sends = api
            .operations(Action::Send)
            .filter_map(|(c, o)| {
                Some(SendRule {
                    template: AddressTemplate::new(c.address?),
                    reply_to: o.reply.and_then(|r| r.address).filter(|a| !a.contains('{')),
                    reply_inbox: o
                        .reply
                        .is_some_and(|r| r.address.is_none_or(|a| a.contains('{'))),
                })
            })
            .collect();
        let min = options.reconnect_delay;
        let max = options.max_reconnect_delay;
        let mut opts = async_nats::ConnectOptions::new()
            .retry_on_initial_connect()
            .max_reconnects(None)
            .reconnect_delay_callback(move |attempts| {
                let factor = 2u32.saturating_pow(attempts.min(16) as u32);
                min.saturating_mul(factor).min(max)
            });
        if let Some(n) = &options.name {
            opts = opts.name(n);
        }
        if let Some(u) = &endpoint.username {
            opts = opts.user_and_password(u.clone(), endpoint.password.clone().unwrap_or_default());
        }
        if let Some(tls) = &endpoint.tls {
            opts = opts.require_tls(true);
            if let Some(ca) = &tls.ca_file {
                opts = opts.add_root_certificates(ca.clone());
            }
            if let (Some(c), Some(k)) = (&tls.cert_file, &tls.key_file) {
                opts = opts.add_client_certificate(c.clone(), k.clone());
            }
        }
        let url = format!(
            "{}://{}",
            if endpoint.tls.is_some() {
                "tls"
            } else {
                "nats"
            },
            endpoint.authority(4222)
        );
        let client = opts
            .connect(url.as_str())
            .await
            .map_err(|e| Error::Connect {
                endpoint: endpoint.describe(),
                message: e.to_string(),
            })?;
        let inbox = client.new_inbox();
        let js = options
            .jetstream
            .clone()
            .map(|o| (jetstream::new(client.clone()), o));
        Ok(NatsClient {
            shared: Arc::new(Shared {
                client,
                js,
                api,
                sends,
                subscriptions,
                inbox,
                next_inbox: AtomicU64::new(0),
                send_timeout: options.send_timeout,
            }),
        })
    }

    pub fn sink(&self) -> NatsSink {
        NatsSink {
            shared: self.shared.clone(),
        }
    }

    /// The underlying client, for what this adapter does not cover.
    pub fn raw(&self) -> &async_nats::Client {
        &self.shared.client
    }

    /// Subscribes to every receive channel (and this client's reply inbox) and dispatches
    /// what arrives, one message at a time per subscription.
    pub async fn serve<D: Dispatch + 'static>(
        &self,
        dispatch: Arc<D>,
        policy: DeliveryPolicy,
    ) -> Result<Serving, Error> {
        let (mut serving, _) = Serving::new();
        let subscribe_error = |e: &dyn std::fmt::Display, s: &str| Error::Connect {
            endpoint: format!("subject `{s}`"),
            message: format!("cannot subscribe: {e}"),
        };
        let mut core: Vec<(String, Option<String>)> = Vec::new();
        match &self.shared.js {
            Some((js, o)) => {
                let subjects: Vec<String> = self
                    .shared
                    .subscriptions
                    .iter()
                    .map(|(s, _)| s.clone())
                    .collect();
                let stream = js
                    .get_or_create_stream(jetstream::stream::Config {
                        name: o.stream.clone(),
                        subjects,
                        ..Default::default()
                    })
                    .await
                    .map_err(|e| subscribe_error(&e, &o.stream))?;
                let consumer: jetstream::consumer::PullConsumer = stream
                    .get_or_create_consumer(
                        &o.consumer,
                        jetstream::consumer::pull::Config {
                            durable_name: Some(o.consumer.clone()),
                            // The stream holds exactly the receive subjects (and a filter
                            // over several needs NATS 2.10).
                            ack_policy: jetstream::consumer::AckPolicy::Explicit,
                            ack_wait: o.ack_wait,
                            ..Default::default()
                        },
                    )
                    .await
                    .map_err(|e| subscribe_error(&e, &o.consumer))?;
                let stop = serving.stop_signal();
                serving.push(tokio::spawn(jetstream_worker(
                    self.shared.clone(),
                    consumer,
                    dispatch.clone(),
                    policy.clone(),
                    stop,
                )));
            }
            None => core.extend(self.shared.subscriptions.iter().cloned()),
        }
        if self.shared.sends.iter().any(|s| s.reply_inbox) {
            core.push((format!("{}.>", self.shared.inbox), None));
        }
        for (subject, queue) in core {
            let sub = match &queue {
                Some(q) => {
                    self.shared
                        .client
                        .queue_subscribe(subject.clone(), q.clone())
                        .await
                }
                None => self.shared.client.subscribe(subject.clone()).await,
            }
            .map_err(|e| subscribe_error(&e, &subject))?;
            let stop = serving.stop_signal();
            serving.push(tokio::spawn(core_worker(
                self.shared.clone(),
                sub,
                dispatch.clone(),
                policy.clone(),
                stop,
            )));
        }
        // Subscriptions reach the server before `serve` returns.
        let _ = self.shared.client.flush().await;
        Ok(serving)
    }
}

fn to_nats_headers(h: &Headers, content_type: Option<&str>) -> async_nats::HeaderMap {
    let mut out = async_nats::HeaderMap::new();
    for (k, v) in h.iter() {
        out.append(k, v);
    }
    if let Some(ct) = content_type {
        out.insert("content-type", ct);
    }
    out
}

fn from_nats_headers(h: Option<&async_nats::HeaderMap>) -> (Headers, Option<String>) {
    let mut out = Headers::new();
    let mut ct = None;
    if let Some(h) = h {
        let mut pairs: Vec<(String, String)> = Vec::new();
        for (k, values) in h.iter() {
            for v in values {
                pairs.push((k.to_string(), v.to_string()));
            }
        }
        // HeaderMap is a hash map: sort for a stable order.
        pairs.sort();
        for (k, v) in pairs {
            if k.eq_ignore_ascii_case("content-type") {
                ct = Some(v);
            } else {
                out.append(k, v);
            }
        }
    }
    (out, ct)
}

impl Shared {
    async fn publish(
        &self,
        subject: String,
        reply: Option<String>,
        headers: async_nats::HeaderMap,
        payload: Bytes,
        durable: bool,
    ) -> Result<(), Error> {
        let send_error = |message: String| Error::Send {
            address: subject.clone(),
            message,
        };
        match (&self.js, durable) {
            (Some((js, _)), true) => {
                let deadline = tokio::time::Instant::now() + self.send_timeout;
                let mut delay = Duration::from_millis(50);
                loop {
                    let attempt = async {
                        js.publish_with_headers(subject.clone(), headers.clone(), payload.clone())
                            .await
                            .map_err(|e| e.to_string())?
                            .await
                            .map_err(|e| e.to_string())
                    };
                    let message = match tokio::time::timeout_at(deadline, attempt).await {
                        Ok(Ok(_ack)) => return Ok(()),
                        Ok(Err(e)) => e,
                        Err(_) => "no JetStream ack in time".to_owned(),
                    };
                    if tokio::time::Instant::now() + delay >= deadline {
                        return Err(send_error(message));
                    }
                    tracing::debug!(%subject, %message, "JetStream publish failed; trying again");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(2));
                }
            }
            _ => {
                let r = match reply {
                    Some(r) => {
                        self.client
                            .publish_with_reply_and_headers(subject.clone(), r, headers, payload)
                            .await
                    }
                    None => {
                        self.client
                            .publish_with_headers(subject.clone(), headers, payload)
                            .await
                    }
                };
                r.map_err(|e| send_error(e.to_string()))?;
                tokio::time::timeout(self.send_timeout, self.client.flush())
                    .await
                    .map_err(|_| send_error("no flush in time".to_owned()))?
                    .map_err(|e| send_error(e.to_string()))
            }
        }
    }

    async fn send_reply(
        &self,
        request_address: &str,
        request_headers: &Headers,
        reply_subject: Option<&str>,
        mut reply: Outgoing,
    ) -> Result<(), Error> {
        crate::delivery::carry_correlation(self.api, request_address, request_headers, &mut reply);
        let subject = reply_subject.map(str::to_owned).unwrap_or(reply.address);
        let headers = to_nats_headers(&reply.headers, reply.content_type.as_deref());
        self.publish(subject, None, headers, reply.payload.into(), false)
            .await
    }

    async fn dead_letter(
        &self,
        subject: String,
        address: &str,
        headers: &Headers,
        content_type: Option<&str>,
        payload: Bytes,
        error: &asyncapi_runtime::DispatchError,
    ) -> Result<(), Error> {
        let h = dead_letter_headers(headers.clone(), Some(address), error);
        self.publish(
            subject,
            None,
            to_nats_headers(&h, content_type),
            payload,
            false,
        )
        .await
    }
}

impl Sink for NatsSink {
    async fn send(&self, message: Outgoing) -> Result<(), HandlerError> {
        let s = &self.shared;
        let rule = s
            .sends
            .iter()
            .find(|r| r.template.matches(&message.address).is_some());
        let reply = rule.and_then(|r| {
            r.reply_to.map(str::to_owned).or_else(|| {
                r.reply_inbox.then(|| {
                    format!(
                        "{}.{}",
                        s.inbox,
                        s.next_inbox.fetch_add(1, Ordering::Relaxed)
                    )
                })
            })
        });
        let mut headers = to_nats_headers(&message.headers, message.content_type.as_deref());
        if let Some(r) = &reply {
            // JetStream keeps headers but not the reply subject.
            headers.insert(REPLY_TO_HEADER, r.as_str());
        }
        s.publish(
            message.address,
            reply,
            headers,
            message.payload.into(),
            true,
        )
        .await
        .map_err(Into::into)
    }
}

async fn core_worker<D: Dispatch + 'static>(
    shared: Arc<Shared>,
    mut sub: async_nats::Subscriber,
    dispatch: Arc<D>,
    policy: DeliveryPolicy,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let inbox_prefix = format!("{}.", shared.inbox);
    loop {
        let msg = tokio::select! {
            _ = stopped(&mut stop) => break,
            m = sub.next() => match m { Some(m) => m, None => break },
        };
        let (headers, content_type) = from_nats_headers(msg.headers.as_ref());
        let subject = msg.subject.to_string();
        // Replies on the inbox have no channel address of their own.
        let address = (!subject.starts_with(&inbox_prefix)).then_some(subject.as_str());
        let mut attempt = 1;
        loop {
            let incoming = Incoming {
                address,
                headers: &headers,
                content_type: content_type.as_deref(),
                payload: &msg.payload,
            };
            match decide(dispatch.as_ref(), incoming, attempt, &policy).await {
                Decision::Ack { reply: Some(reply) } => {
                    let r = shared
                        .send_reply(
                            &subject,
                            &headers,
                            msg.reply
                                .as_ref()
                                .map(|s| s.as_str())
                                .or(headers.get(REPLY_TO_HEADER)),
                            reply,
                        )
                        .await;
                    if let Err(e) = r {
                        tracing::warn!(error = %e, "cannot send the reply");
                    }
                }
                Decision::Ack { reply: None } => {}
                Decision::Redeliver { delay, .. } => {
                    tokio::select! {
                        _ = stopped(&mut stop) => return,
                        _ = tokio::time::sleep(delay) => {}
                    }
                    attempt += 1;
                    continue;
                }
                Decision::GiveUp { dead_letter, error } => {
                    if let Some(dl) = dead_letter {
                        let r = shared
                            .dead_letter(
                                dl,
                                &subject,
                                &headers,
                                content_type.as_deref(),
                                msg.payload.clone(),
                                &error,
                            )
                            .await;
                        if let Err(e) = r {
                            tracing::warn!(error = %e, "cannot dead-letter the message; dropped");
                        }
                    }
                }
            }
            break;
        }
    }
}

async fn jetstream_worker<D: Dispatch + 'static>(
    shared: Arc<Shared>,
    consumer: jetstream::consumer::PullConsumer,
    dispatch: Arc<D>,
    policy: DeliveryPolicy,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let mut delay = Duration::from_millis(100);
    'outer: loop {
        let mut messages = match consumer.messages().await {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!(error = %e, ?delay, "cannot pull from JetStream; trying again");
                tokio::select! {
                    _ = stopped(&mut stop) => break,
                    _ = tokio::time::sleep(delay) => {}
                }
                delay = (delay * 2).min(Duration::from_secs(5));
                continue;
            }
        };
        loop {
            let next = tokio::select! {
                _ = stopped(&mut stop) => break 'outer,
                m = messages.next() => m,
            };
            let msg = match next {
                Some(Ok(m)) => m,
                Some(Err(e)) => {
                    tracing::debug!(error = %e, "JetStream pull error");
                    continue;
                }
                None => continue 'outer,
            };
            delay = Duration::from_millis(100);
            let attempt = msg
                .info()
                .map(|i| u32::try_from(i.delivered).unwrap_or(1))
                .unwrap_or(1)
                .max(1);
            let (headers, content_type) = from_nats_headers(msg.headers.as_ref());
            let subject = msg.subject.to_string();
            let incoming = Incoming {
                address: Some(&subject),
                headers: &headers,
                content_type: content_type.as_deref(),
                payload: &msg.payload,
            };
            let ack = match decide(dispatch.as_ref(), incoming, attempt, &policy).await {
                Decision::Ack { reply } => {
                    if let Some(reply) = reply {
                        let to = headers.get(REPLY_TO_HEADER).map(str::to_owned);
                        if let Err(e) = shared
                            .send_reply(&subject, &headers, to.as_deref(), reply)
                            .await
                        {
                            tracing::warn!(error = %e, "cannot send the reply");
                        }
                    }
                    jetstream::AckKind::Ack
                }
                Decision::Redeliver { delay, .. } => jetstream::AckKind::Nak(Some(delay)),
                Decision::GiveUp { dead_letter, error } => {
                    if let Some(dl) = dead_letter {
                        if let Err(e) = shared
                            .dead_letter(
                                dl,
                                &subject,
                                &headers,
                                content_type.as_deref(),
                                msg.payload.clone(),
                                &error,
                            )
                            .await
                        {
                            tracing::warn!(error = %e, "cannot dead-letter; it will be delivered again");
                            continue;
                        }
                    }
                    jetstream::AckKind::Term
                }
            };
            if let Err(e) = msg.ack_with(ack).await {
                tracing::warn!(%subject, error = %e, "cannot acknowledge; the server delivers it again");
            }
        }
    }
}
