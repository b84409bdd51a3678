//! Receiving: the queue declared and bound, deliveries dispatched, acknowledged or rejected by
//! the delivery policy, and consuming again after a lost connection.

use super::*;

/// Declares the queue with its bindings and starts consuming.
pub(super) async fn consume(
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
pub(super) struct Attempts(HashMap<u64, u32>);

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

pub(super) async fn receive_loop<D: Dispatch + 'static>(
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
