//! Kafka on `rdkafka` (librdkafka, built from source by `rdkafka-sys`).
//!
//! - Receive: a consumer in a consumer group (the receive operation's `groupId` binding,
//!   else [`KafkaOptions::group_id`], else `asyncapi-<document title>`), subscribed to each
//!   receive channel's topic (the channel binding's `topic`, else the address; a template
//!   with parameters becomes a regular expression subscription). Offsets are committed
//!   only after `Ok`, one message at a time. A retryable failure seeks the partition back
//!   to the message, so the broker delivers it again after the policy's delay; a message
//!   given up on is produced to the dead-letter topic, if any, then committed.
//! - Send: a producer with `acks=all` and idempotence; a send returns once the broker has
//!   the message (librdkafka retries through outages up to the send timeout). The key
//!   comes from [`KafkaOptions::key`] (default: the `kafka_key` header, removed from the
//!   headers), the partition from [`KafkaOptions::partition`]. Topics missing on the
//!   broker are created with the channel binding's `partitions` and `replicas`.
//! - Request/reply: a request carries `kafka_replyTopic` (the reply channel's address) and
//!   `kafka_correlationId` (its correlation header) headers; a reply is produced to the
//!   request's `kafka_replyTopic` with its `kafka_correlationId`.
//! - Connection loss: librdkafka reconnects and rejoins the group by itself; the
//!   uncommitted messages of a partition are delivered again to whoever gets it.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use asyncapi_runtime::{
    Action, AddressTemplate, ApiDescription, Dispatch, HandlerError, Headers, Incoming, Outgoing,
    Sink,
};
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{CommitMode, Consumer, StreamConsumer};
use rdkafka::message::{Header, Headers as _, Message, OwnedHeaders};
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::{ClientConfig, Offset};
use serde::Deserialize;

use crate::delivery::{Decision, DeliveryPolicy, carry_correlation, dead_letter_headers, decide};
use crate::endpoint::{Endpoint, Sasl};
use crate::serving::{Serving, stopped};
use crate::{ConfigError, Error, pattern, read_binding};

/// Header a request carries its reply topic in.
pub const REPLY_TOPIC_HEADER: &str = "kafka_replyTopic";
/// Header a request and its reply carry the correlation ID in.
pub const CORRELATION_HEADER: &str = "kafka_correlationId";
/// Header the default [`KafkaOptions::key`] takes the message key from.
pub const KEY_HEADER: &str = "kafka_key";

/// Picks a message's key from what the `Publisher` encoded.
pub type KeyFn = Arc<dyn Fn(&mut Outgoing) -> Option<Vec<u8>> + Send + Sync>;

/// Settings of a Kafka client, over the document's bindings.
#[derive(Clone)]
pub struct KafkaOptions {
    /// Consumer group when the receive operation's binding names none.
    pub group_id: Option<String>,
    pub client_id: Option<String>,
    /// The key of each sent message (default: the `kafka_key` header, removed).
    pub key: KeyFn,
    /// A fixed partition per channel name.
    pub partition: HashMap<String, i32>,
    /// Create missing topics (with the channel binding's `partitions`/`replicas`).
    pub create_topics: bool,
    /// How long a send may take, broker outages included (`message.timeout.ms`).
    pub send_timeout: Duration,
    /// Where a new consumer group starts: `earliest` (default) or `latest`.
    pub auto_offset_reset: String,
    /// Any other librdkafka settings, applied last.
    pub config: Vec<(String, String)>,
}

impl std::fmt::Debug for KafkaOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KafkaOptions")
            .field("group_id", &self.group_id)
            .field("client_id", &self.client_id)
            .field("partition", &self.partition)
            .field("create_topics", &self.create_topics)
            .field("send_timeout", &self.send_timeout)
            .field("auto_offset_reset", &self.auto_offset_reset)
            .finish_non_exhaustive()
    }
}

impl Default for KafkaOptions {
    fn default() -> Self {
        KafkaOptions {
            group_id: None,
            client_id: None,
            key: Arc::new(|out: &mut Outgoing| {
                let key = out.headers.get(KEY_HEADER).map(|k| k.as_bytes().to_vec());
                if key.is_some() {
                    let kept: Headers = out
                        .headers
                        .iter()
                        .filter(|(k, _)| !k.eq_ignore_ascii_case(KEY_HEADER))
                        .collect();
                    out.headers = kept;
                }
                key
            }),
            partition: HashMap::new(),
            create_topics: true,
            send_timeout: Duration::from_secs(30),
            auto_offset_reset: "earliest".to_owned(),
            config: Vec::new(),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ChannelBinding {
    topic: Option<String>,
    partitions: Option<i32>,
    replicas: Option<i32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct OperationBinding {
    group_id: Option<serde_json::Value>,
    client_id: Option<serde_json::Value>,
}

/// A binding field that is a schema (`{type: string, enum: [x]}`) or a plain value.
fn schema_value(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Object(o) => o
            .get("const")
            .or_else(|| o.get("enum").and_then(|e| e.get(0)))
            .or_else(|| o.get("default"))
            .and_then(|x| x.as_str())
            .map(str::to_owned),
        _ => None,
    }
}

#[derive(Debug, Clone)]
struct SendRule {
    channel: &'static str,
    template: AddressTemplate,
    topic: Option<String>,
    partitions: i32,
    replicas: i32,
    reply_to: Option<&'static str>,
    correlation_header: Option<&'static str>,
}

struct Shared {
    api: &'static ApiDescription,
    base: ClientConfig,
    producer: FutureProducer,
    admin: AdminClient<DefaultClientContext>,
    sends: Vec<SendRule>,
    created: Mutex<HashSet<String>>,
    options: KafkaOptions,
    endpoint: String,
}

/// A Kafka client: a producer at once, a consumer from [`KafkaClient::serve`] on.
#[derive(Clone)]
pub struct KafkaClient {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for KafkaClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KafkaClient")
            .field("endpoint", &self.shared.endpoint)
            .finish_non_exhaustive()
    }
}

/// The [`Sink`] of a [`KafkaClient`].
#[derive(Clone, Debug)]
pub struct KafkaSink {
    client: KafkaClient,
}

fn kafka_error(endpoint: &Endpoint) -> impl Fn(rdkafka::error::KafkaError) -> Error + '_ {
    move |e| Error::Connect {
        endpoint: endpoint.describe(),
        message: e.to_string(),
    }
}

impl KafkaClient {
    /// Creates the producer for `endpoint` (`kafka`, `kafka-secure`); librdkafka connects
    /// in the background.
    pub async fn connect(
        api: &'static ApiDescription,
        endpoint: &Endpoint,
        options: KafkaOptions,
    ) -> Result<KafkaClient, Error> {
        endpoint.expect_protocol(&["kafka", "kafka-secure"])?;
        let mut base = ClientConfig::new();
        base.set("bootstrap.servers", endpoint.authority(9092));
        let security = match (endpoint.sasl.is_some(), endpoint.tls.is_some()) {
            (true, true) => "SASL_SSL",
            (true, false) => "SASL_PLAINTEXT",
            (false, true) => "SSL",
            (false, false) => "PLAINTEXT",
        };
        base.set("security.protocol", security);
        if let Some(m) = endpoint.sasl {
            base.set("sasl.mechanism", m.as_str());
            base.set(
                "sasl.username",
                endpoint.username.clone().unwrap_or_default(),
            );
            base.set(
                "sasl.password",
                endpoint.password.clone().unwrap_or_default(),
            );
        } else if endpoint.username.is_some() {
            base.set(
                "security.protocol",
                if endpoint.tls.is_some() {
                    "SASL_SSL"
                } else {
                    "SASL_PLAINTEXT"
                },
            );
            base.set("sasl.mechanism", Sasl::Plain.as_str());
            base.set(
                "sasl.username",
                endpoint.username.clone().unwrap_or_default(),
            );
            base.set(
                "sasl.password",
                endpoint.password.clone().unwrap_or_default(),
            );
        }
        if let Some(tls) = &endpoint.tls {
            if let Some(p) = &tls.ca_file {
                base.set("ssl.ca.location", p.display().to_string());
            }
            if let Some(p) = &tls.cert_file {
                base.set("ssl.certificate.location", p.display().to_string());
            }
            if let Some(p) = &tls.key_file {
                base.set("ssl.key.location", p.display().to_string());
            }
        }
        if let Some(id) = &options.client_id {
            base.set("client.id", id);
        }
        for (k, v) in &options.config {
            base.set(k, v);
        }
        let mut producer_config = base.clone();
        producer_config
            .set("acks", "all")
            .set("enable.idempotence", "true")
            // One attempt; `produce` tries again (creating the topic again if the broker
            // forgot it) until the send timeout.
            .set(
                "message.timeout.ms",
                options
                    .send_timeout
                    .min(Duration::from_secs(10))
                    .as_millis()
                    .to_string(),
            );
        for (k, v) in &options.config {
            producer_config.set(k, v);
        }
        let producer: FutureProducer = producer_config.create().map_err(kafka_error(endpoint))?;
        let admin: AdminClient<DefaultClientContext> =
            base.create().map_err(kafka_error(endpoint))?;
        let mut sends = Vec::new();
        for (c, o) in api.operations(Action::Send) {
            let Some(address) = c.address else { continue };
            let b: ChannelBinding = read_binding(
                c.binding("kafka"),
                "kafka",
                &format!("channel `{}`", c.name),
            )?;
            sends.push(SendRule {
                channel: c.name,
                template: AddressTemplate::new(address),
                topic: b.topic,
                partitions: b.partitions.unwrap_or(1),
                replicas: b.replicas.unwrap_or(1),
                reply_to: o.reply.and_then(|r| r.address).filter(|a| !a.contains('{')),
                correlation_header: c.correlation_header(),
            });
        }
        Ok(KafkaClient {
            shared: Arc::new(Shared {
                api,
                base,
                producer,
                admin,
                sends,
                created: Mutex::new(HashSet::new()),
                options,
                endpoint: endpoint.describe(),
            }),
        })
    }

    pub fn sink(&self) -> KafkaSink {
        KafkaSink {
            client: self.clone(),
        }
    }

    /// Creates `topic` unless this client already did (or it exists).
    pub async fn ensure_topic(
        &self,
        topic: &str,
        partitions: i32,
        replicas: i32,
    ) -> Result<(), Error> {
        let s = &self.shared;
        if s.created.lock().expect("created lock").contains(topic) {
            return Ok(());
        }
        let new = NewTopic::new(
            topic,
            partitions.max(1),
            TopicReplication::Fixed(replicas.max(1)),
        );
        let results = s
            .admin
            .create_topics(
                [&new],
                &AdminOptions::new().operation_timeout(Some(Duration::from_secs(10))),
            )
            .await
            .map_err(|e| Error::Send {
                address: topic.to_owned(),
                message: format!("cannot create the topic: {e}"),
            })?;
        for r in results {
            match r {
                Ok(_) | Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
                Err((t, code)) => {
                    return Err(Error::Send {
                        address: t,
                        message: format!("cannot create the topic: {code}"),
                    });
                }
            }
        }
        s.created
            .lock()
            .expect("created lock")
            .insert(topic.to_owned());
        Ok(())
    }

    async fn produce(
        &self,
        topic: &str,
        key: Option<&[u8]>,
        partition: Option<i32>,
        headers: &Headers,
        payload: &[u8],
        rule: Option<&SendRule>,
    ) -> Result<(), Error> {
        let s = &self.shared;
        if s.options.create_topics {
            let (p, r) = rule.map(|r| (r.partitions, r.replicas)).unwrap_or((1, 1));
            self.ensure_topic(topic, p, r).await?;
        }
        let mut owned = OwnedHeaders::new();
        for (k, v) in headers.iter() {
            owned = owned.insert(Header {
                key: k,
                value: Some(v.as_bytes()),
            });
        }
        let deadline = tokio::time::Instant::now() + s.options.send_timeout;
        loop {
            let mut record = FutureRecord::to(topic)
                .payload(payload)
                .headers(owned.clone());
            if let Some(k) = key {
                record = record.key(k);
            }
            if let Some(p) = partition {
                record = record.partition(p);
            }
            match s.producer.send(record, s.options.send_timeout).await {
                Ok(_) => return Ok(()),
                Err((e, _)) => {
                    if tokio::time::Instant::now() + Duration::from_millis(200) >= deadline {
                        return Err(Error::Send {
                            address: topic.to_owned(),
                            message: e.to_string(),
                        });
                    }
                    tracing::debug!(%topic, error = %e, "Kafka send failed; trying again");
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    if s.options.create_topics {
                        // The broker may have forgotten it (an in-memory broker restarted).
                        s.created.lock().expect("created lock").remove(topic);
                        let (p, r) = rule.map(|r| (r.partitions, r.replicas)).unwrap_or((1, 1));
                        if let Err(e) = self.ensure_topic(topic, p, r).await {
                            tracing::debug!(%topic, error = %e, "cannot create the topic yet");
                        }
                    }
                }
            }
        }
    }

    /// Joins the consumer group, subscribes to every receive channel's topic and
    /// dispatches, committing each message after it was handled.
    pub async fn serve<D: Dispatch + 'static>(
        &self,
        dispatch: Arc<D>,
        policy: DeliveryPolicy,
    ) -> Result<Serving, Error> {
        let s = &self.shared;
        let mut topics = Vec::new();
        let mut group = s.options.group_id.clone();
        let mut templates = Vec::new();
        for (c, o) in pattern::receive_channels(s.api) {
            let b: ChannelBinding = read_binding(
                c.binding("kafka"),
                "kafka",
                &format!("channel `{}`", c.name),
            )?;
            let ob: OperationBinding = read_binding(
                o.binding("kafka"),
                "kafka",
                &format!("operation `{}`", o.name),
            )?;
            if group.is_none() {
                group = ob.group_id.as_ref().and_then(schema_value);
            }
            let _ = ob.client_id;
            let address = c.address.unwrap_or_default();
            let topic = b
                .topic
                .clone()
                .unwrap_or_else(|| pattern::kafka_subscription(address));
            if let Some(t) = &b.topic {
                // Deliveries on a renamed topic are routed as the channel's address.
                templates.push((t.clone(), address.to_owned()));
            }
            if !topics.contains(&topic) {
                topics.push(topic);
            }
        }
        if topics.is_empty() {
            return Err(
                ConfigError::new("no receive channel has an address to subscribe to").into(),
            );
        }
        let group = group.unwrap_or_else(|| format!("asyncapi-{}", slug(s.api.title)));
        let mut config = s.base.clone();
        config
            .set("group.id", &group)
            .set("enable.auto.commit", "false")
            .set("auto.offset.reset", &s.options.auto_offset_reset)
            // New topics matching a pattern are found within a second.
            .set("topic.metadata.refresh.interval.ms", "1000");
        for (k, v) in &s.options.config {
            config.set(k, v);
        }
        let consumer: StreamConsumer = config.create().map_err(|e| Error::Connect {
            endpoint: s.endpoint.clone(),
            message: e.to_string(),
        })?;
        let refs: Vec<&str> = topics.iter().map(String::as_str).collect();
        consumer.subscribe(&refs).map_err(|e| Error::Connect {
            endpoint: s.endpoint.clone(),
            message: format!("cannot subscribe to {}: {e}", topics.join(", ")),
        })?;
        tracing::info!(endpoint = %s.endpoint, %group, topics = %topics.join(", "), "Kafka consuming");
        let (mut serving, stop) = Serving::new();
        serving.push(tokio::spawn(consume(
            self.clone(),
            consumer,
            templates,
            dispatch,
            policy,
            stop,
        )));
        Ok(serving)
    }

    /// Sends one encoded message, as [`KafkaSink`] does.
    async fn send_outgoing(&self, mut out: Outgoing) -> Result<(), Error> {
        let s = &self.shared;
        let rule = s
            .sends
            .iter()
            .find(|r| r.template.matches(&out.address).is_some())
            .cloned();
        let key = (s.options.key)(&mut out);
        let partition = rule
            .as_ref()
            .and_then(|r| s.options.partition.get(r.channel).copied());
        let mut headers = out.headers.clone();
        if let Some(r) = &rule {
            if let Some(reply) = r.reply_to {
                headers.insert(REPLY_TOPIC_HEADER, reply);
            }
            if let Some(id) = r.correlation_header.and_then(|h| out.headers.get(h)) {
                headers.insert(CORRELATION_HEADER, id);
            }
        }
        if let Some(ct) = &out.content_type {
            headers.insert("content-type", ct.as_str());
        }
        let topic = rule
            .as_ref()
            .and_then(|r| r.topic.clone())
            .unwrap_or_else(|| out.address.clone());
        self.produce(
            &topic,
            key.as_deref(),
            partition,
            &headers,
            &out.payload,
            rule.as_ref(),
        )
        .await
    }
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

impl Sink for KafkaSink {
    async fn send(&self, message: Outgoing) -> Result<(), HandlerError> {
        self.client.send_outgoing(message).await.map_err(Into::into)
    }
}

async fn consume<D: Dispatch + 'static>(
    client: KafkaClient,
    consumer: StreamConsumer,
    renamed: Vec<(String, String)>,
    dispatch: Arc<D>,
    policy: DeliveryPolicy,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let s = &client.shared;
    let mut attempts: HashMap<(String, i32, i64), u32> = HashMap::new();
    let mut error_delay = Duration::from_millis(100);
    loop {
        let msg = tokio::select! {
            _ = stopped(&mut stop) => break,
            m = consumer.recv() => m,
        };
        let msg = match msg {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!(endpoint = %s.endpoint, error = %e, "Kafka consumer error");
                tokio::select! {
                    _ = stopped(&mut stop) => break,
                    _ = tokio::time::sleep(error_delay) => {}
                }
                error_delay = (error_delay * 2).min(Duration::from_secs(5));
                continue;
            }
        };
        error_delay = Duration::from_millis(100);
        let topic = msg.topic().to_owned();
        let (partition, offset) = (msg.partition(), msg.offset());
        let mut headers = Headers::new();
        let mut content_type = None;
        if let Some(h) = msg.headers() {
            for Header { key, value } in h.iter() {
                let v = String::from_utf8_lossy(value.unwrap_or_default()).into_owned();
                if key.eq_ignore_ascii_case("content-type") {
                    content_type = Some(v);
                } else {
                    headers.append(key, v);
                }
            }
        }
        if let Some(k) = msg.key() {
            headers.insert(KEY_HEADER, String::from_utf8_lossy(k).into_owned());
        }
        let address = renamed
            .iter()
            .find(|(t, _)| *t == topic)
            .map(|(_, a)| a.clone())
            .unwrap_or_else(|| topic.clone());
        // The correlation ID goes where the request's channel says it is.
        if let Some(id) = headers.get(CORRELATION_HEADER).map(str::to_owned) {
            if let Some(h) = s
                .api
                .channels
                .iter()
                .find(|c| {
                    c.address
                        .is_some_and(|t| AddressTemplate::new(t).matches(&address).is_some())
                })
                .and_then(|c| c.correlation_header())
            {
                if headers.get(h).is_none() {
                    headers.insert(h, id);
                }
            }
        }
        let payload = msg.payload().unwrap_or_default().to_vec();
        let key = (topic.clone(), partition, offset);
        let attempt = *attempts.entry(key.clone()).or_insert(1);
        let incoming = Incoming {
            address: Some(&address),
            headers: &headers,
            content_type: content_type.as_deref(),
            payload: &payload,
        };
        let commit = match decide(dispatch.as_ref(), incoming, attempt, &policy).await {
            Decision::Ack { reply } => {
                let mut ok = true;
                if let Some(mut reply) = reply {
                    carry_correlation(s.api, &address, &headers, &mut reply);
                    if let Some(id) = headers.get(CORRELATION_HEADER) {
                        reply.headers.insert(CORRELATION_HEADER, id);
                    }
                    if let Some(to) = headers.get(REPLY_TOPIC_HEADER) {
                        reply.address = to.to_owned();
                    }
                    let rule = s
                        .sends
                        .iter()
                        .find(|r| r.template.matches(&reply.address).is_some())
                        .cloned();
                    let key = (s.options.key)(&mut reply);
                    if let Some(ct) = &reply.content_type {
                        reply.headers.insert("content-type", ct.as_str());
                    }
                    if let Err(e) = client
                        .produce(
                            &reply.address,
                            key.as_deref(),
                            None,
                            &reply.headers,
                            &reply.payload,
                            rule.as_ref(),
                        )
                        .await
                    {
                        tracing::warn!(error = %e, "cannot send the reply; the request will be delivered again");
                        ok = false;
                    }
                }
                ok
            }
            Decision::Redeliver { .. } => false,
            Decision::GiveUp { dead_letter, error } => match dead_letter {
                Some(dlt) => {
                    let h = dead_letter_headers(headers.clone(), Some(&address), &error);
                    match client
                        .produce(&dlt, msg.key(), None, &h, &payload, None)
                        .await
                    {
                        Ok(()) => true,
                        Err(e) => {
                            tracing::warn!(error = %e, "cannot dead-letter; it will be delivered again");
                            false
                        }
                    }
                }
                None => true,
            },
        };
        if commit {
            attempts.remove(&key);
            if let Err(e) = consumer.commit_message(&msg, CommitMode::Sync) {
                // The partition was revoked or the broker is gone: whoever consumes it next
                // gets the message again.
                tracing::warn!(%topic, partition, offset, error = %e, "cannot commit");
            }
        } else {
            *attempts.entry(key).or_insert(1) += 1;
            let delay = policy.delay(attempt);
            drop(msg);
            tokio::select! {
                _ = stopped(&mut stop) => break,
                _ = tokio::time::sleep(delay) => {}
            }
            if let Err(e) = consumer.seek(
                &topic,
                partition,
                Offset::Offset(offset),
                Duration::from_secs(10),
            ) {
                tracing::warn!(%topic, partition, offset, error = %e, "cannot seek back; the message comes back after a rebalance");
            }
        }
    }
}
