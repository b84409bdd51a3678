//! What the document's AMQP bindings say: exchanges, queues and their bindings, and the send
//! rules and topology made from them.

use super::*;

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ChannelBinding {
    pub(super) is: Option<String>,
    #[serde(default)]
    pub(super) exchange: ExchangeBinding,
    #[serde(default)]
    pub(super) queue: QueueBinding,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ExchangeBinding {
    pub(super) name: Option<String>,
    #[serde(rename = "type")]
    pub(super) kind: Option<String>,
    pub(super) durable: Option<bool>,
    pub(super) auto_delete: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct QueueBinding {
    pub(super) name: Option<String>,
    pub(super) durable: Option<bool>,
    pub(super) exclusive: Option<bool>,
    pub(super) auto_delete: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct OperationBinding {
    pub(super) delivery_mode: Option<u8>,
    pub(super) priority: Option<u8>,
    pub(super) expiration: Option<u64>,
}

#[derive(Debug, Clone)]
pub(super) struct Exchange {
    pub(super) name: String,
    pub(super) kind: ExchangeKind,
    pub(super) durable: bool,
    pub(super) auto_delete: bool,
}

#[derive(Debug, Clone)]
pub(super) struct SendRule {
    pub(super) template: AddressTemplate,
    pub(super) exchange: String,
    /// `is: queue`: publish to the default exchange with the queue's name.
    pub(super) queue: Option<String>,
    pub(super) delivery_mode: u8,
    pub(super) priority: Option<u8>,
    pub(super) expiration: Option<u64>,
    pub(super) reply_to: Option<&'static str>,
    pub(super) correlation_header: Option<&'static str>,
}

#[derive(Debug, Clone)]
pub(super) struct Topology {
    pub(super) exchanges: Vec<Exchange>,
    pub(super) queue: String,
    pub(super) durable: bool,
    pub(super) exclusive: bool,
    pub(super) auto_delete: bool,
    pub(super) bindings: Vec<(String, String)>,
    /// Queues consumed directly (`is: queue`).
    pub(super) direct: Vec<String>,
}

pub(super) fn exchange_kind(kind: Option<&str>, place: &str) -> Result<ExchangeKind, ConfigError> {
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

pub(super) fn slug(s: &str) -> String {
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
