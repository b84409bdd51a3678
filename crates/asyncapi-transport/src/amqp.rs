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

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ChannelBinding {
    is: Option<String>,
    #[serde(default)]
    exchange: ExchangeBinding,
    #[serde(default)]
    queue: QueueBinding,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ExchangeBinding {
    name: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    durable: Option<bool>,
    auto_delete: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct QueueBinding {
    name: Option<String>,
    durable: Option<bool>,
    exclusive: Option<bool>,
    auto_delete: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct OperationBinding {
    delivery_mode: Option<u8>,
    priority: Option<u8>,
    expiration: Option<u64>,
}

#[derive(Debug, Clone)]
struct Exchange {
    name: String,
    kind: ExchangeKind,
    durable: bool,
    auto_delete: bool,
}

#[derive(Debug, Clone)]
struct SendRule {
    template: AddressTemplate,
    exchange: String,
    /// `is: queue`: publish to the default exchange with the queue's name.
    queue: Option<String>,
    delivery_mode: u8,
    priority: Option<u8>,
    expiration: Option<u64>,
    reply_to: Option<&'static str>,
    correlation_header: Option<&'static str>,
}

#[derive(Debug, Clone)]
struct Topology {
    exchanges: Vec<Exchange>,
    queue: String,
    durable: bool,
    exclusive: bool,
    auto_delete: bool,
    bindings: Vec<(String, String)>,
    /// Queues consumed directly (`is: queue`).
    direct: Vec<String>,
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

fn exchange_kind(kind: Option<&str>, place: &str) -> Result<ExchangeKind, ConfigError> {
    Ok(match kind.unwrap_or("topic") {
        "topic" => ExchangeKind::Topic,
        "direct" => ExchangeKind::Direct,
        "fanout" => ExchangeKind::Fanout,
        "headers" => ExchangeKind::Headers,
        other => {
            return Err(ConfigError::new(format!(
                "{place}: AMQP exchange type must be topic, direct, fanout or headers, not `{other}`"
            )));
        }
    })
}

fn slug(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
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

/// Declares the queue with its bindings and starts consuming.
async fn consume(
    shared: &Shared,
    ch: &lapin::Channel,
    dlx: Option<&str>,
) -> Result<Vec<lapin::Consumer>, lapin::Error> {
    let t = &shared.topology;
    ch.basic_qos(shared.options.prefetch, BasicQosOptions::default())
        .await?;
    declare_exchanges(shared, ch).await?;
    let mut args = FieldTable::default();
    if let Some(dlx) = dlx {
        if !dlx.starts_with("amq.") {
            ch.exchange_declare(
                dlx.into(),
                ExchangeKind::Topic,
                ExchangeDeclareOptions {
                    durable: true,
                    ..Default::default()
                },
                FieldTable::default(),
            )
            .await?;
        }
        args.insert(
            "x-dead-letter-exchange".into(),
            AMQPValue::LongString(dlx.as_bytes().to_vec().into()),
        );
    }
    let mut consumers = Vec::new();
    if !t.bindings.is_empty() {
        ch.queue_declare(
            t.queue.as_str().into(),
            QueueDeclareOptions {
                durable: t.durable,
                exclusive: t.exclusive,
                auto_delete: t.auto_delete,
                ..Default::default()
            },
            args.clone(),
        )
        .await?;
        for (exchange, key) in &t.bindings {
            ch.queue_bind(
                t.queue.as_str().into(),
                exchange.as_str().into(),
                key.as_str().into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await?;
        }
        consumers.push(
            ch.basic_consume(
                t.queue.as_str().into(),
                "".into(),
                BasicConsumeOptions::default(),
                FieldTable::default(),
            )
            .await?,
        );
    }
    for q in &t.direct {
        ch.queue_declare(
            q.as_str().into(),
            QueueDeclareOptions {
                durable: true,
                ..Default::default()
            },
            args.clone(),
        )
        .await?;
        consumers.push(
            ch.basic_consume(
                q.as_str().into(),
                "".into(),
                BasicConsumeOptions::default(),
                FieldTable::default(),
            )
            .await?,
        );
    }
    Ok(consumers)
}

/// Attempts per message, kept here since classic queues only say "redelivered".
#[derive(Default)]
struct Attempts(HashMap<u64, u32>);

impl Attempts {
    fn key(d: &lapin::message::Delivery) -> u64 {
        use std::hash::{DefaultHasher, Hash, Hasher};
        let mut h = DefaultHasher::new();
        d.routing_key.as_str().hash(&mut h);
        d.data.hash(&mut h);
        h.finish()
    }
    fn next(&mut self, d: &lapin::message::Delivery) -> u32 {
        if self.0.len() > 10_000 {
            self.0.clear();
        }
        if !d.redelivered {
            self.0.remove(&Self::key(d));
            return 1;
        }
        let n = self.0.entry(Self::key(d)).or_insert(1);
        *n += 1;
        *n
    }
    fn done(&mut self, d: &lapin::message::Delivery) {
        self.0.remove(&Self::key(d));
    }
}

async fn receive_loop<D: Dispatch + 'static>(
    shared: Arc<Shared>,
    dispatch: Arc<D>,
    policy: DeliveryPolicy,
    mut stop: tokio::sync::watch::Receiver<bool>,
    ready: tokio::sync::oneshot::Sender<()>,
) {
    let mut ready = Some(ready);
    let backoff = backon::ExponentialBuilder::new()
        .with_min_delay(shared.options.reconnect_delay)
        .with_max_delay(shared.options.max_reconnect_delay)
        .with_jitter()
        .without_max_times();
    let mut delays = backoff.build();
    let dlx = match &policy.on_permanent {
        OnPermanent::DeadLetter(x) => Some(x.clone()),
        OnPermanent::Drop => None,
    };
    let mut attempts = Attempts::default();
    loop {
        let session = async {
            let (conn, ch) = open(&shared).await?;
            let consumers = consume(&shared, &ch, dlx.as_deref()).await?;
            Ok::<_, lapin::Error>((conn, ch, consumers))
        };
        let (conn, ch, consumers) = tokio::select! {
            _ = stopped(&mut stop) => return,
            s = session => match s {
                Ok(s) => s,
                Err(e) => {
                    let delay = delays.next().unwrap_or(Duration::from_secs(5));
                    tracing::warn!(endpoint = %shared.endpoint, error = %e, ?delay, "AMQP connection failed; trying again");
                    tokio::select! {
                        _ = stopped(&mut stop) => return,
                        _ = tokio::time::sleep(delay) => {}
                    }
                    continue;
                }
            },
        };
        delays = backoff.build();
        tracing::info!(endpoint = %shared.endpoint, queue = %shared.topology.queue, "AMQP consuming");
        if let Some(r) = ready.take() {
            let _ = r.send(());
        }
        let mut all = futures_util::stream::select_all(consumers);
        loop {
            let next = tokio::select! {
                _ = stopped(&mut stop) => {
                    let _ = conn.close(200, "shutdown".into()).await;
                    return;
                }
                n = all.next() => n,
            };
            let d = match next {
                Some(Ok(d)) => d,
                Some(Err(e)) => {
                    tracing::warn!(error = %e, "AMQP consumer failed; reconnecting");
                    break;
                }
                None => {
                    tracing::warn!("AMQP consumer ended; reconnecting");
                    break;
                }
            };
            let attempt = attempts.next(&d);
            let headers = from_properties(&d.properties);
            let address = d.routing_key.as_str().to_owned();
            let content_type = d
                .properties
                .content_type()
                .as_ref()
                .map(|c| c.as_str().to_owned());
            let mut headers_with_id = headers.clone();
            if let Some(id) = d.properties.correlation_id() {
                // The correlation ID goes where the request's channel says it is.
                if let Some(h) = shared
                    .api
                    .operations(Action::Receive)
                    .find(|(c, _)| {
                        c.address
                            .is_some_and(|t| AddressTemplate::new(t).matches(&address).is_some())
                    })
                    .and_then(|(c, _)| c.correlation_header())
                {
                    if headers_with_id.get(h).is_none() {
                        headers_with_id.insert(h, id.as_str());
                    }
                }
            }
            let incoming = Incoming {
                address: Some(&address),
                headers: &headers_with_id,
                content_type: content_type.as_deref(),
                payload: &d.data,
            };
            let outcome = decide(dispatch.as_ref(), incoming, attempt, &policy).await;
            let result = match outcome {
                Decision::Ack { reply } => {
                    if let Some(mut reply) = reply {
                        crate::delivery::carry_correlation(
                            shared.api,
                            &address,
                            &headers_with_id,
                            &mut reply,
                        );
                        let rule = shared
                            .sends
                            .iter()
                            .find(|r| r.template.matches(&reply.address).is_some());
                        let mut props = shared.properties(&reply, rule).with_reply_to("".into());
                        if let Some(id) = d.properties.correlation_id() {
                            props = props.with_correlation_id(id.clone());
                        }
                        let key = d
                            .properties
                            .reply_to()
                            .as_ref()
                            .map(|r| r.as_str().to_owned())
                            .unwrap_or_else(|| reply.address.clone());
                        let sent = shared
                            .publish(Publish {
                                exchange: d.exchange.as_str(),
                                routing_key: &key,
                                payload: &reply.payload,
                                properties: props,
                            })
                            .await;
                        if let Err(e) = sent {
                            tracing::warn!(error = %e, "cannot send the reply; the request will be delivered again");
                            tokio::time::sleep(policy.delay(attempt)).await;
                            d.acker
                                .nack(BasicNackOptions {
                                    requeue: true,
                                    ..Default::default()
                                })
                                .await
                        } else {
                            attempts.done(&d);
                            d.acker.ack(BasicAckOptions::default()).await
                        }
                    } else {
                        attempts.done(&d);
                        d.acker.ack(BasicAckOptions::default()).await
                    }
                }
                Decision::Redeliver { delay, .. } => {
                    tokio::select! {
                        _ = stopped(&mut stop) => return,
                        _ = tokio::time::sleep(delay) => {}
                    }
                    d.acker
                        .nack(BasicNackOptions {
                            requeue: true,
                            ..Default::default()
                        })
                        .await
                }
                Decision::GiveUp { dead_letter, .. } => {
                    attempts.done(&d);
                    if dead_letter.is_some() {
                        // The broker adds `x-death` saying where it came from.
                        d.acker
                            .nack(BasicNackOptions {
                                requeue: false,
                                ..Default::default()
                            })
                            .await
                    } else {
                        d.acker.ack(BasicAckOptions::default()).await
                    }
                }
            };
            if let Err(e) = result {
                tracing::warn!(error = %e, "cannot acknowledge; the broker delivers it again");
                break;
            }
        }
        let _ = ch.close(200, "reconnecting".into()).await;
        let _ = conn.close(200, "reconnecting".into()).await;
    }
}
