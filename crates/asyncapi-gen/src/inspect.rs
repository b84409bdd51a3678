//! `asyncapi-gen inspect`: the document as the generator sees it after bundling.

use asyncapi_model::Document;
use asyncapi_model::view::Action;
use serde::Serialize;

/// What `inspect` prints: the document after bundling, by the names the generator will use.
#[derive(Debug, Serialize)]
pub struct Summary {
    version: String,
    title: String,
    servers: Vec<ServerSummary>,
    channels: Vec<ChannelSummary>,
    operations: Vec<OperationSummary>,
    messages: Vec<MessageSummary>,
    schemas: Vec<String>,
}

#[derive(Debug, Serialize)]
struct ServerSummary {
    name: String,
    url: String,
    protocol: String,
}

#[derive(Debug, Serialize)]
struct ChannelSummary {
    key: String,
    address: Option<String>,
    parameters: Vec<String>,
    messages: Vec<String>,
}

#[derive(Debug, Serialize)]
struct OperationSummary {
    name: String,
    action: Action,
    channel: String,
    messages: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reply: Option<ReplySummary>,
}

#[derive(Debug, Serialize)]
struct ReplySummary {
    channel: Option<String>,
    messages: Vec<String>,
    address: Option<String>,
}

#[derive(Debug, Serialize)]
struct MessageSummary {
    channel: String,
    key: String,
    name: Option<String>,
    content_type: Option<String>,
    payload: bool,
    headers: bool,
    schema_format: asyncapi_model::SchemaFormat,
    examples: usize,
}

impl Summary {
    pub fn of(doc: &Document) -> Summary {
        let api = &doc.api;
        let channel_key = |id: usize| api.channels[id].key.clone();
        let message_key = |id: usize| api.messages[id].key.clone();
        Summary {
            version: api.version.clone(),
            title: api.info.title.clone(),
            servers: api
                .servers
                .iter()
                .map(|s| ServerSummary {
                    name: s.name.clone(),
                    url: s.url.clone(),
                    protocol: s.protocol.clone(),
                })
                .collect(),
            channels: api
                .channels
                .iter()
                .map(|c| ChannelSummary {
                    key: c.key.clone(),
                    address: c.address.clone(),
                    parameters: c.parameters.iter().map(|p| p.name.clone()).collect(),
                    messages: c.messages.iter().map(|&m| message_key(m)).collect(),
                })
                .collect(),
            operations: api
                .operations
                .iter()
                .map(|o| OperationSummary {
                    name: o.key.clone(),
                    action: o.action,
                    channel: channel_key(o.channel),
                    messages: o.messages.iter().map(|&m| message_key(m)).collect(),
                    reply: o.reply.as_ref().map(|r| ReplySummary {
                        channel: r.channel.map(channel_key),
                        messages: r.messages.iter().map(|&m| message_key(m)).collect(),
                        address: r.address_location.clone(),
                    }),
                })
                .collect(),
            messages: api
                .messages
                .iter()
                .map(|m| MessageSummary {
                    channel: channel_key(m.channel),
                    key: m.key.clone(),
                    name: m.name.clone(),
                    content_type: m.content_type.clone(),
                    payload: m.payload.is_some(),
                    headers: m.headers.is_some(),
                    schema_format: m.payload_format.clone(),
                    examples: m.examples.len(),
                })
                .collect(),
            schemas: api.schemas.keys().cloned().collect(),
        }
    }

    pub fn human(&self) -> String {
        use std::fmt::Write as _;
        let mut s = String::new();
        let _ = writeln!(s, "{} (AsyncAPI {})", self.title, self.version);
        let _ = writeln!(s, "servers:");
        for sv in &self.servers {
            let _ = writeln!(s, "  {} {} ({})", sv.name, sv.url, sv.protocol);
        }
        let _ = writeln!(s, "channels:");
        for c in &self.channels {
            let addr = c.address.as_deref().unwrap_or("<no address>");
            let _ = writeln!(
                s,
                "  {} -> {addr}  messages: {}",
                c.key,
                c.messages.join(", ")
            );
        }
        let _ = writeln!(s, "operations:");
        for o in &self.operations {
            let action = match o.action {
                Action::Send => "send",
                Action::Receive => "receive",
            };
            let _ = writeln!(
                s,
                "  {} {action} on {}: {}",
                o.name,
                o.channel,
                o.messages.join(", ")
            );
        }
        let _ = writeln!(s, "schemas: {}", self.schemas.join(", "));
        s
    }
}
