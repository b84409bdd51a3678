//! What happens to a delivery once the router has seen it: the same rules for every
//! protocol, each adapter carrying them out with its own acknowledgements.

use std::time::Duration;

use asyncapi_runtime::{
    Action, AddressTemplate, ApiDescription, Dispatch, DispatchError, Incoming, Outgoing,
};

/// What to do with a message that can never be handled (no channel or message matches, a
/// bad payload), or whose handler kept failing [`DeliveryPolicy::max_attempts`] times.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum OnPermanent {
    /// Log it and acknowledge it: the broker forgets it.
    #[default]
    Drop,
    /// Hand it to the protocol's dead-letter mechanism, then acknowledge it. The value is
    /// the dead-letter destination: a topic (MQTT, Kafka), a subject (NATS), an exchange
    /// (AMQP: the queue is declared with it as `x-dead-letter-exchange` and the message is
    /// rejected into it).
    DeadLetter(String),
}

/// How deliveries are acknowledged, retried and given up on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryPolicy {
    /// Deliveries of one message whose handler failed before it is treated like a message
    /// that can never be handled (default 5; at least 1).
    pub max_attempts: u32,
    /// Wait before the first redelivery, doubled for each later one (default 200 ms) ...
    pub retry_delay: Duration,
    /// ... up to this (default 10 s).
    pub max_retry_delay: Duration,
    pub on_permanent: OnPermanent,
}

impl Default for DeliveryPolicy {
    fn default() -> Self {
        DeliveryPolicy {
            max_attempts: 5,
            retry_delay: Duration::from_millis(200),
            max_retry_delay: Duration::from_secs(10),
            on_permanent: OnPermanent::Drop,
        }
    }
}

impl DeliveryPolicy {
    /// The wait before delivery number `attempt + 1` (`attempt` starts at 1).
    pub fn delay(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1).min(16));
        self.retry_delay
            .saturating_mul(factor)
            .min(self.max_retry_delay)
    }
}

/// What the adapter must do with one delivery.
#[derive(Debug)]
pub enum Decision {
    /// Handled: send the reply (if any), then acknowledge.
    Ack { reply: Option<Outgoing> },
    /// The handler failed and another delivery may succeed: have the message delivered
    /// again after `delay`.
    Redeliver {
        delay: Duration,
        error: DispatchError,
    },
    /// Never handled: dead-letter it (when `dead_letter` is `Some`) or drop it, and
    /// acknowledge it.
    GiveUp {
        dead_letter: Option<String>,
        error: DispatchError,
    },
}

/// Dispatches one delivery, `attempt` being how many times this message was delivered
/// (1 for the first time), and decides what becomes of it.
pub async fn decide<D: Dispatch + ?Sized>(
    dispatch: &D,
    incoming: Incoming<'_>,
    attempt: u32,
    policy: &DeliveryPolicy,
) -> Decision {
    match dispatch.dispatch(incoming).await {
        Ok(d) => {
            tracing::debug!(
                operation = d.operation,
                message = d.message,
                address = incoming.address.unwrap_or(""),
                "handled"
            );
            Decision::Ack { reply: d.reply }
        }
        Err(error) if error.is_retryable() && attempt < policy.max_attempts.max(1) => {
            let delay = policy.delay(attempt);
            tracing::warn!(
                address = incoming.address.unwrap_or(""),
                attempt,
                ?delay,
                %error,
                "handler failed; the message will be delivered again"
            );
            Decision::Redeliver { delay, error }
        }
        Err(error) => {
            let dead_letter = match &policy.on_permanent {
                OnPermanent::Drop => None,
                OnPermanent::DeadLetter(d) => Some(d.clone()),
            };
            tracing::warn!(
                address = incoming.address.unwrap_or(""),
                attempt,
                kind = error.kind(),
                %error,
                dead_letter = dead_letter.as_deref().unwrap_or("(dropped)"),
                "message cannot be handled"
            );
            Decision::GiveUp { dead_letter, error }
        }
    }
}

/// Headers added to a dead-lettered message: why it was given up on.
pub fn dead_letter_headers(
    mut headers: asyncapi_runtime::Headers,
    address: Option<&str>,
    error: &DispatchError,
) -> asyncapi_runtime::Headers {
    headers.insert("x-asyncapi-error-kind", error.kind());
    headers.insert("x-asyncapi-error", error.to_string());
    if let Some(a) = address {
        headers.insert("x-asyncapi-original-address", a);
    }
    headers
}

/// Copies the request's correlation ID into its reply when the reply lacks it: read from
/// the header the request's channel names, written to the header the reply's channel names
/// (or the same one).
pub fn carry_correlation(
    api: &ApiDescription,
    request_address: &str,
    request_headers: &asyncapi_runtime::Headers,
    reply: &mut Outgoing,
) {
    let request = api.operations(Action::Receive).find(|(c, _)| {
        c.address
            .is_some_and(|t| AddressTemplate::new(t).matches(request_address).is_some())
    });
    let Some((channel, op)) = request else {
        return;
    };
    let Some(from) = channel.correlation_header() else {
        return;
    };
    let Some(value) = request_headers.get(from) else {
        return;
    };
    let to = op
        .reply
        .and_then(|r| r.channel)
        .and_then(|name| api.channels.iter().find(|c| c.name == name))
        .and_then(|c| c.correlation_header())
        .unwrap_or(from);
    if reply.headers.get(to).is_none() {
        reply.headers.insert(to, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_up_to_the_limit() {
        let p = DeliveryPolicy::default();
        assert_eq!(p.delay(1), Duration::from_millis(200));
        assert_eq!(p.delay(2), Duration::from_millis(400));
        assert_eq!(p.delay(10), Duration::from_secs(10));
        assert_eq!(p.delay(u32::MAX), Duration::from_secs(10));
    }
}
