//! AMQP 0-9-1 on `lapin`.
//!
//! - Receive: one queue for the client ([`AmqpOptions::queue`], else the `queue.name` of
//!   the first receive channel's `amqp` binding), durable by default, bound to each receive
//!   channel's exchange (the binding's `exchange.name`, else [`AmqpOptions::exchange`],
//!   default `amq.topic`) with the channel's address as binding key (`{param}` words
//!   become `*`). A channel whose binding says `is: queue` is consumed from that queue
//!   directly. `Ok` acks; a retryable failure is nacked with requeue after the policy's
//!   delay (the broker delivers it again); a message given up on is rejected without
//!   requeue into the dead-letter exchange when [`OnPermanent::DeadLetter`] names one (the
//!   queue is declared with it as `x-dead-letter-exchange`), or acked and dropped.
//! - Send: to the send channel's exchange with the address as routing key, persistent
//!   (`deliveryMode` 2) unless the operation binding says 1, with publisher confirms: a
//!   send returns once the broker has the message.
//! - Request/reply: `reply_to` carries the reply channel's address and `correlation_id`
//!   the correlation header; a reply goes to the request's exchange with its `reply_to` as
//!   routing key and the request's `correlation_id`.
//! - Connection loss: the receiver reconnects with exponential backoff, declares its
//!   topology again and consumes again; the broker requeues what was unacknowledged, and
//!   nothing from the old channel is acknowledged. Sends reconnect on demand.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use asyncapi_runtime::{
    Action, AddressTemplate, ApiDescription, Dispatch, HandlerError, Headers, Incoming, Outgoing,
    Sink,
};
use backon::BackoffBuilder;
use futures_util::StreamExt;
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicNackOptions, BasicPublishOptions, BasicQosOptions,
    ConfirmSelectOptions, ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions,
};
use lapin::types::{AMQPValue, FieldTable, LongString, ShortString};
use lapin::{BasicProperties, Confirmation, Connection, ConnectionProperties, ExchangeKind};
use serde::Deserialize;
use tokio::sync::Mutex;

use crate::delivery::{Decision, DeliveryPolicy, OnPermanent, decide};
use crate::endpoint::Endpoint;
use crate::serving::{Serving, stopped};
use crate::{ConfigError, Error, pattern, read_binding};

mod config;
mod receive;

use config::*;
use receive::*;

/// Settings of an AMQP connection, over the document's bindings.
#[derive(Debug, Clone)]
pub struct AmqpOptions {
    /// The queue this client receives from; by default the first receive channel's
    /// `queue.name`, else `asyncapi.<document title>`.
    pub queue: Option<String>,
    /// Exchange for channels whose binding names none (default `amq.topic`).
    pub exchange: String,
    /// Unacknowledged deliveries the broker sends ahead (default 16).
    pub prefetch: u16,
    /// How long a send keeps trying (reconnects included).
    pub send_timeout: Duration,
    pub reconnect_delay: Duration,
    pub max_reconnect_delay: Duration,
}

impl Default for AmqpOptions {
    fn default() -> Self {
        AmqpOptions {
            queue: None,
            exchange: "amq.topic".to_owned(),
            prefetch: 16,
            send_timeout: Duration::from_secs(30),
            reconnect_delay: Duration::from_millis(200),
            max_reconnect_delay: Duration::from_secs(5),
        }
    }
}

#[derive(Debug)]
struct Shared {
    uri: String,
    endpoint: String,
    api: &'static ApiDescription,
    sends: Vec<SendRule>,
    topology: Topology,
    options: AmqpOptions,
    publisher: Mutex<Option<(Connection, lapin::Channel)>>,
}

/// An AMQP client: sends on demand, receives after [`AmqpClient::serve`].
#[derive(Debug, Clone)]
pub struct AmqpClient {
    shared: Arc<Shared>,
}

/// The [`Sink`] of an [`AmqpClient`].
#[derive(Debug, Clone)]
pub struct AmqpSink {
    shared: Arc<Shared>,
}

impl AmqpClient {
    /// Prepares a client for `endpoint` (`amqp`, `amqps`): nothing is connected until the
    /// first send or [`AmqpClient::serve`]. The virtual host is the endpoint's path.
    pub async fn connect(
        api: &'static ApiDescription,
        endpoint: &Endpoint,
        options: AmqpOptions,
    ) -> Result<AmqpClient, Error> {
        endpoint.expect_protocol(&["amqp", "amqps"])?;
        let mut sends = Vec::new();
        for (c, o) in api.operations(Action::Send) {
            let Some(address) = c.address else { continue };
            let place = format!("channel `{}`", c.name);
            let cb: ChannelBinding = read_binding(c.binding("amqp"), "amqp", &place)?;
            let ob: OperationBinding = read_binding(
                o.binding("amqp"),
                "amqp",
                &format!("operation `{}`", o.name),
            )?;
            let queue = (cb.is.as_deref() == Some("queue"))
                .then(|| cb.queue.name.clone().unwrap_or_else(|| address.to_owned()));
            sends.push(SendRule {
                template: AddressTemplate::new(address),
                exchange: cb
                    .exchange
                    .name
                    .clone()
                    .unwrap_or_else(|| options.exchange.clone()),
                queue,
                delivery_mode: ob.delivery_mode.unwrap_or(2),
                priority: ob.priority,
                expiration: ob.expiration,
                reply_to: o.reply.and_then(|r| r.address).filter(|a| !a.contains('{')),
                correlation_header: c.correlation_header(),
            });
        }
        let mut topology = Topology {
            exchanges: Vec::new(),
            queue: options.queue.clone().unwrap_or_default(),
            durable: true,
            exclusive: false,
            auto_delete: false,
            bindings: Vec::new(),
            direct: Vec::new(),
        };
        let mut add_exchange = |e: Exchange| {
            if !e.name.is_empty() && !topology.exchanges.iter().any(|x| x.name == e.name) {
                topology.exchanges.push(e);
            }
        };
        let mut queue_from_binding = None;
        let mut bindings = Vec::new();
        let mut direct = Vec::new();
        for (c, _) in pattern::receive_channels(api) {
            let place = format!("channel `{}`", c.name);
            let cb: ChannelBinding = read_binding(c.binding("amqp"), "amqp", &place)?;
            let address = c.address.unwrap_or_default();
            if cb.is.as_deref() == Some("queue") {
                direct.push(cb.queue.name.clone().unwrap_or_else(|| address.to_owned()));
                continue;
            }
            let name = cb
                .exchange
                .name
                .clone()
                .unwrap_or_else(|| options.exchange.clone());
            add_exchange(Exchange {
                kind: exchange_kind(cb.exchange.kind.as_deref(), &place)?,
                durable: cb.exchange.durable.unwrap_or(true),
                auto_delete: cb.exchange.auto_delete.unwrap_or(false),
                name: name.clone(),
            });
            if queue_from_binding.is_none() {
                if let Some(q) = &cb.queue.name {
                    queue_from_binding = Some((
                        q.clone(),
                        cb.queue.durable,
                        cb.queue.exclusive,
                        cb.queue.auto_delete,
                    ));
                }
            }
            bindings.push((name, pattern::amqp_binding_key(address)));
        }
        for (c, _) in api.operations(Action::Send) {
            let cb: ChannelBinding =
                read_binding(c.binding("amqp"), "amqp", &format!("channel `{}`", c.name))?;
            if cb.is.as_deref() != Some("queue") {
                add_exchange(Exchange {
                    kind: exchange_kind(
                        cb.exchange.kind.as_deref(),
                        &format!("channel `{}`", c.name),
                    )?,
                    durable: cb.exchange.durable.unwrap_or(true),
                    auto_delete: cb.exchange.auto_delete.unwrap_or(false),
                    name: cb
                        .exchange
                        .name
                        .clone()
                        .unwrap_or_else(|| options.exchange.clone()),
                });
            }
        }
        topology.bindings = bindings;
        topology.direct = direct;
        if topology.queue.is_empty() {
            match queue_from_binding {
                Some((q, durable, exclusive, auto_delete)) => {
                    topology.queue = q;
                    topology.durable = durable.unwrap_or(true);
                    topology.exclusive = exclusive.unwrap_or(false);
                    topology.auto_delete = auto_delete.unwrap_or(false);
                }
                None => topology.queue = format!("asyncapi.{}", slug(api.title)),
            }
        }
        let scheme = if endpoint.tls.is_some() {
            "amqps"
        } else {
            "amqp"
        };
        let userinfo = match &endpoint.username {
            Some(u) => format!(
                "{}:{}@",
                encode(u),
                encode(endpoint.password.as_deref().unwrap_or(""))
            ),
            None => String::new(),
        };
        let port = if endpoint.tls.is_some() { 5671 } else { 5672 };
        let vhost = endpoint
            .path
            .as_deref()
            .map(|p| format!("/{p}"))
            .unwrap_or_default();
        let uri = format!("{scheme}://{userinfo}{}{vhost}", endpoint.authority(port));
        Ok(AmqpClient {
            shared: Arc::new(Shared {
                uri,
                endpoint: endpoint.describe(),
                api,
                sends,
                topology,
                options,
                publisher: Mutex::new(None),
            }),
        })
    }

    pub fn sink(&self) -> AmqpSink {
        AmqpSink {
            shared: self.shared.clone(),
        }
    }

    /// The queue this client receives from.
    pub fn queue(&self) -> &str {
        &self.shared.topology.queue
    }

    /// Declares the topology, consumes and dispatches, reconnecting as needed. Returns once
    /// the first connection consumes (so messages sent after it are received).
    pub async fn serve<D: Dispatch + 'static>(
        &self,
        dispatch: Arc<D>,
        policy: DeliveryPolicy,
    ) -> Result<Serving, Error> {
        let (mut serving, stop) = Serving::new();
        let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
        serving.push(tokio::spawn(receive_loop(
            self.shared.clone(),
            dispatch,
            policy,
            stop,
            ready_tx,
        )));
        match tokio::time::timeout(self.shared.options.send_timeout, ready_rx).await {
            Ok(Ok(())) => Ok(serving),
            _ => Err(Error::Connect {
                endpoint: self.shared.endpoint.clone(),
                message: "not consuming in time".to_owned(),
            }),
        }
    }
}

fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn to_table(h: &Headers) -> FieldTable {
    let mut t = FieldTable::default();
    for (k, v) in h.iter() {
        t.insert(
            ShortString::from(k),
            AMQPValue::LongString(LongString::from(v.as_bytes().to_vec())),
        );
    }
    t
}

fn from_properties(p: &BasicProperties) -> Headers {
    let mut out = Headers::new();
    if let Some(t) = p.headers() {
        for (k, v) in t.inner() {
            let text = match v {
                AMQPValue::LongString(s) => String::from_utf8_lossy(s.as_bytes()).into_owned(),
                AMQPValue::ShortString(s) => s.as_str().to_owned(),
                AMQPValue::Boolean(b) => b.to_string(),
                AMQPValue::LongInt(n) => n.to_string(),
                AMQPValue::LongLongInt(n) => n.to_string(),
                AMQPValue::LongUInt(n) => n.to_string(),
                AMQPValue::ShortInt(n) => n.to_string(),
                AMQPValue::ShortUInt(n) => n.to_string(),
                other => format!("{other:?}"),
            };
            out.append(k.as_str(), text);
        }
    }
    out
}

async fn open(shared: &Shared) -> Result<(Connection, lapin::Channel), lapin::Error> {
    let conn = Connection::connect(&shared.uri, ConnectionProperties::default()).await?;
    let ch = conn.create_channel().await?;
    Ok((conn, ch))
}

async fn declare_exchanges(shared: &Shared, ch: &lapin::Channel) -> Result<(), lapin::Error> {
    for e in &shared.topology.exchanges {
        if e.name.starts_with("amq.") {
            continue;
        }
        ch.exchange_declare(
            e.name.as_str().into(),
            e.kind.clone(),
            ExchangeDeclareOptions {
                durable: e.durable,
                auto_delete: e.auto_delete,
                ..Default::default()
            },
            FieldTable::default(),
        )
        .await?;
    }
    Ok(())
}

struct Publish<'a> {
    exchange: &'a str,
    routing_key: &'a str,
    payload: &'a [u8],
    properties: BasicProperties,
}

impl Shared {
    async fn publish_once(&self, p: &Publish<'_>) -> Result<(), String> {
        let mut guard = self.publisher.lock().await;
        if guard
            .as_ref()
            .is_none_or(|(c, ch)| !c.status().connected() || !ch.status().connected())
        {
            let (conn, ch) = open(self).await.map_err(|e| e.to_string())?;
            ch.confirm_select(ConfirmSelectOptions::default())
                .await
                .map_err(|e| e.to_string())?;
            declare_exchanges(self, &ch)
                .await
                .map_err(|e| e.to_string())?;
            *guard = Some((conn, ch));
        }
        let (_, ch) = guard.as_ref().expect("a publisher channel");
        let confirm = ch
            .basic_publish(
                p.exchange.into(),
                p.routing_key.into(),
                BasicPublishOptions::default(),
                p.payload,
                p.properties.clone(),
            )
            .await
            .map_err(|e| e.to_string())?;
        drop(guard);
        match confirm.await.map_err(|e| e.to_string())? {
            Confirmation::Nack(_) => Err("the broker did not take the message (nack)".to_owned()),
            Confirmation::Ack(_) | Confirmation::NotRequested => Ok(()),
        }
    }

    async fn publish(&self, p: Publish<'_>) -> Result<(), Error> {
        let deadline = tokio::time::Instant::now() + self.options.send_timeout;
        let mut delays = backon::ExponentialBuilder::new()
            .with_min_delay(Duration::from_millis(50))
            .with_max_delay(Duration::from_secs(2))
            .without_max_times()
            .build();
        loop {
            let message = match tokio::time::timeout_at(deadline, self.publish_once(&p)).await {
                Ok(Ok(())) => return Ok(()),
                Ok(Err(e)) => e,
                Err(_) => "no confirm from the broker in time".to_owned(),
            };
            *self.publisher.lock().await = None;
            let delay = delays.next().unwrap_or(Duration::from_secs(2));
            if tokio::time::Instant::now() + delay >= deadline {
                return Err(Error::Send {
                    address: p.routing_key.to_owned(),
                    message,
                });
            }
            tracing::debug!(routing_key = p.routing_key, %message, "AMQP publish failed; trying again");
            tokio::time::sleep(delay).await;
        }
    }

    fn properties(&self, out: &Outgoing, rule: Option<&SendRule>) -> BasicProperties {
        let mut props = BasicProperties::default()
            .with_delivery_mode(rule.map(|r| r.delivery_mode).unwrap_or(2))
            .with_headers(to_table(&out.headers));
        if let Some(ct) = &out.content_type {
            props = props.with_content_type(ct.as_str().into());
        }
        if let Some(r) = rule {
            if let Some(p) = r.priority {
                props = props.with_priority(p);
            }
            if let Some(e) = r.expiration {
                props = props.with_expiration(e.to_string().into());
            }
            if let Some(rt) = r.reply_to {
                props = props.with_reply_to(rt.into());
            }
            if let Some(id) = r.correlation_header.and_then(|h| out.headers.get(h)) {
                props = props.with_correlation_id(id.into());
            }
        }
        props
    }
}

impl Sink for AmqpSink {
    async fn send(&self, message: Outgoing) -> Result<(), HandlerError> {
        let s = &self.shared;
        let rule = s
            .sends
            .iter()
            .find(|r| r.template.matches(&message.address).is_some());
        let properties = s.properties(&message, rule);
        let (exchange, routing_key) = match rule {
            Some(SendRule { queue: Some(q), .. }) => ("", q.as_str()),
            Some(r) => (r.exchange.as_str(), message.address.as_str()),
            None => (s.options.exchange.as_str(), message.address.as_str()),
        };
        s.publish(Publish {
            exchange,
            routing_key,
            payload: &message.payload,
            properties,
        })
        .await
        .map_err(Into::into)
    }
}
