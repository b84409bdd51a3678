//! The event loop: `rumqttc` polled in version-neutral terms, subscriptions renewed on
//! every CONNACK, reconnection with backoff.

use super::*;

pub(super) async fn subscribe_all(shared: &Shared) {
    for s in &shared.subscriptions {
        let r = match &shared.client {
            RawClient::V4(c) => c
                .subscribe(s.filter.clone(), s.qos)
                .await
                .map_err(|e| e.to_string()),
            RawClient::V5(c) => c
                .subscribe(s.filter.clone(), qos5(s.qos))
                .await
                .map_err(|e| e.to_string()),
        };
        if let Err(e) = r {
            tracing::warn!(filter = %s.filter, error = %e, "cannot subscribe");
        }
    }
}

pub(super) enum Loop {
    V4(Box<rumqttc::EventLoop>),
    V5(Box<rumqttc::v5::EventLoop>),
}

/// What the event loop saw, in version-neutral terms.
pub(super) enum Seen {
    ConnAck { session_present: bool },
    SubAck,
    OutgoingPublish(u16),
    Acked(u16, Result<(), String>),
    Publish(Box<Delivery>),
    Other,
}

pub(super) async fn run_loop(
    shared: Arc<Shared>,
    mut eventloop: Loop,
    backoff: backon::ExponentialBuilder,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let mut delays = (&backoff).build();
    let mut generation = 0u64;
    loop {
        let polled = tokio::select! {
            _ = stopped(&mut stop) => break,
            p = poll(&mut eventloop, generation) => p,
        };
        match polled {
            Ok(Seen::ConnAck { session_present }) => {
                delays = (&backoff).build();
                tracing::info!(endpoint = %shared.endpoint, session_present, "MQTT connected");
                {
                    let mut p = shared.pending.lock().expect("pending lock");
                    if session_present {
                        p.lost = 0; // resumed: rumqttc sends them again
                    } else {
                        // Whatever went with the old session: those sends try again.
                        p.fail_lost("the broker lost the session");
                    }
                }
                let serving = shared.deliveries.lock().expect("deliveries lock").is_some();
                if serving {
                    let s = shared.clone();
                    tokio::spawn(async move { subscribe_all(&s).await });
                }
            }
            Ok(Seen::SubAck) => shared.subacks.send_modify(|n| *n += 1),
            Ok(Seen::OutgoingPublish(pkid)) => {
                let mut p = shared.pending.lock().expect("pending lock");
                if pkid != 0 && p.inflight.contains_key(&pkid) {
                    continue; // a retransmission
                }
                if let Some(w) = p.queued.pop_front() {
                    if pkid == 0 {
                        let _ = w.send(Ok(()));
                    } else {
                        p.inflight.insert(pkid, w);
                    }
                }
            }
            Ok(Seen::Acked(pkid, result)) => {
                if let Some(w) = shared
                    .pending
                    .lock()
                    .expect("pending lock")
                    .inflight
                    .remove(&pkid)
                {
                    let _ = w.send(result);
                }
            }
            Ok(Seen::Publish(d)) => {
                let tx = shared.deliveries.lock().expect("deliveries lock").clone();
                match tx {
                    Some(tx) => {
                        if tx.send(*d).await.is_err() {
                            tracing::debug!("MQTT delivery after the receiver stopped");
                        }
                    }
                    None => tracing::debug!(topic = %d.topic, "MQTT delivery while not serving"),
                }
            }
            Ok(Seen::Other) => {}
            Err(e) => {
                {
                    // Publishes wait while the session state is taken apart.
                    let _order = shared.publish_lock.lock().await;
                    // No acknowledgement of this connection's messages may reach the next.
                    let mut g = shared.generation.lock().expect("generation lock");
                    *g += 1;
                    generation = *g;
                    match &mut eventloop {
                        Loop::V4(e) => e.clean(),
                        Loop::V5(e) => e.clean(),
                    }
                    let mut p = shared.pending.lock().expect("pending lock");
                    p.lost = p.queued.len();
                }
                let delay = delays.next().unwrap_or(Duration::from_secs(5));
                tracing::warn!(endpoint = %shared.endpoint, error = %e, ?delay, "MQTT connection lost; reconnecting");
                tokio::select! {
                    _ = stopped(&mut stop) => break,
                    _ = tokio::time::sleep(delay) => {}
                }
            }
        }
    }
    shared
        .pending
        .lock()
        .expect("pending lock")
        .fail_all("the connection is closed");
}

pub(super) async fn poll(eventloop: &mut Loop, generation: u64) -> Result<Seen, String> {
    match eventloop {
        Loop::V4(e) => {
            use rumqttc::{Event, Outgoing as Out, Packet};
            match e.poll().await.map_err(|e| e.to_string())? {
                Event::Incoming(Packet::ConnAck(c)) => Ok(Seen::ConnAck {
                    session_present: c.session_present,
                }),
                Event::Incoming(Packet::SubAck(_)) => Ok(Seen::SubAck),
                Event::Incoming(Packet::PubAck(a)) => Ok(Seen::Acked(a.pkid, Ok(()))),
                Event::Incoming(Packet::PubComp(a)) => Ok(Seen::Acked(a.pkid, Ok(()))),
                Event::Incoming(Packet::Publish(p)) => Ok(Seen::Publish(Box::new(Delivery {
                    generation,
                    topic: p.topic.clone(),
                    payload: p.payload.clone(),
                    headers: Headers::new(),
                    content_type: None,
                    response_topic: None,
                    correlation_data: None,
                    raw: RawPublish::V4(p),
                }))),
                Event::Outgoing(Out::Publish(pkid)) => Ok(Seen::OutgoingPublish(pkid)),
                _ => Ok(Seen::Other),
            }
        }
        Loop::V5(e) => {
            use rumqttc::Outgoing as Out;
            use rumqttc::v5::Event;
            use rumqttc::v5::mqttbytes::v5::{Packet, PubAckReason, PubCompReason};
            match e.poll().await.map_err(|e| e.to_string())? {
                Event::Incoming(Packet::ConnAck(c)) => Ok(Seen::ConnAck {
                    session_present: c.session_present,
                }),
                Event::Incoming(Packet::SubAck(_)) => Ok(Seen::SubAck),
                Event::Incoming(Packet::PubAck(a)) => Ok(Seen::Acked(
                    a.pkid,
                    match a.reason {
                        PubAckReason::Success | PubAckReason::NoMatchingSubscribers => Ok(()),
                        other => Err(format!("the broker refused the message: {other:?}")),
                    },
                )),
                Event::Incoming(Packet::PubComp(a)) => Ok(Seen::Acked(
                    a.pkid,
                    match a.reason {
                        PubCompReason::Success => Ok(()),
                        other => Err(format!("the broker refused the message: {other:?}")),
                    },
                )),
                Event::Incoming(Packet::Publish(p)) => {
                    let topic = String::from_utf8_lossy(&p.topic).into_owned();
                    let mut headers = Headers::new();
                    let mut content_type = None;
                    let mut response_topic = None;
                    let mut correlation_data = None;
                    if let Some(props) = &p.properties {
                        for (k, v) in &props.user_properties {
                            headers.append(k.clone(), v.clone());
                        }
                        content_type = props.content_type.clone();
                        response_topic = props.response_topic.clone();
                        correlation_data = props.correlation_data.clone();
                    }
                    Ok(Seen::Publish(Box::new(Delivery {
                        generation,
                        topic,
                        payload: p.payload.clone(),
                        headers,
                        content_type,
                        response_topic,
                        correlation_data,
                        raw: RawPublish::V5(p),
                    })))
                }
                Event::Outgoing(Out::Publish(pkid)) => Ok(Seen::OutgoingPublish(pkid)),
                _ => Ok(Seen::Other),
            }
        }
    }
}
