//! The version-independent view of a document: what the generator lowers from, the same for
//! AsyncAPI 2.x and 3.x.
//!
//! Actions are from the point of view of the application the document describes: a 2.x
//! `publish` operation means others publish to the application, so the application
//! *receives*; `subscribe` means it *sends*. 3.x says `send`/`receive` directly.

use indexmap::IndexMap;
use serde::Serialize;

use crate::model::{
    Bindings, CorrelationId, ExternalDocs, Info, MessageExample, Schema, SecurityScheme,
    ServerVariable, Tag,
};
use crate::schema_format::SchemaFormat;
use crate::store::Loc;
use crate::{pointer, v2, v3};

pub use crate::check::template_names;
pub use crate::v3::Action;

/// Index of a channel in [`Api::channels`].
pub type ChannelId = usize;
/// Index of a message in [`Api::messages`].
pub type MessageId = usize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Api {
    /// The `asyncapi` field, e.g. `2.6.0`.
    pub version: String,
    pub info: Info,
    pub default_content_type: Option<String>,
    pub servers: Vec<Server>,
    pub channels: Vec<Channel>,
    pub operations: Vec<Operation>,
    pub messages: Vec<Message>,
    /// `components.schemas`, by key.
    pub schemas: IndexMap<String, Schema>,
    pub security_schemes: IndexMap<String, SecurityScheme>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Server {
    pub name: String,
    /// URL template with `{variables}`: the 2.x `url`, or 3.x `protocol://host/pathname`.
    pub url: String,
    pub protocol: String,
    pub protocol_version: Option<String>,
    pub description: Option<String>,
    pub variables: IndexMap<String, ServerVariable>,
    /// Security schemes, any one of which grants access, with the scopes required.
    pub security: Vec<SecurityScheme>,
    pub bindings: Bindings,
    pub at: Loc,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Channel {
    /// The key in `channels` (in 2.x, the address itself).
    pub key: String,
    /// Address template with `{parameters}`; `None` when unknown.
    pub address: Option<String>,
    pub title: Option<String>,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub parameters: Vec<Parameter>,
    pub messages: Vec<MessageId>,
    /// Names of the servers the channel is on (empty: all).
    pub servers: Vec<String>,
    pub tags: Vec<Tag>,
    pub bindings: Bindings,
    pub at: Loc,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Parameter {
    pub name: String,
    pub description: Option<String>,
    /// 2.x parameters have a schema.
    pub schema: Option<Schema>,
    /// 3.x parameters are strings, optionally limited to `enum`.
    pub enum_values: Vec<String>,
    pub default: Option<String>,
    pub examples: Vec<String>,
    pub location: Option<String>,
    pub at: Loc,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Operation {
    /// `operationId` (2.x) or the key in `operations` (3.x); generated for 2.x operations
    /// without an id (`publish` or `subscribe` + the channel address).
    pub key: String,
    /// Whether `key` was written in the document.
    pub explicit_key: bool,
    pub action: Action,
    pub channel: ChannelId,
    pub messages: Vec<MessageId>,
    pub reply: Option<Reply>,
    pub title: Option<String>,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub security: Vec<SecurityScheme>,
    pub tags: Vec<Tag>,
    pub external_docs: Option<ExternalDocs>,
    pub bindings: Bindings,
    pub at: Loc,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reply {
    pub channel: Option<ChannelId>,
    pub messages: Vec<MessageId>,
    /// Runtime expression of the reply address, e.g. `$message.header#/replyTo`.
    pub address_location: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Message {
    /// Unique within its channel: the 3.x key, or for 2.x `messageId`, `name`, the component
    /// key, or a generated one.
    pub key: String,
    pub channel: ChannelId,
    pub name: Option<String>,
    pub title: Option<String>,
    pub summary: Option<String>,
    pub description: Option<String>,
    /// The message's `contentType`, else the document's `defaultContentType`.
    pub content_type: Option<String>,
    pub payload_format: SchemaFormat,
    pub payload: Option<Schema>,
    pub headers: Option<Schema>,
    pub correlation_id: Option<CorrelationId>,
    pub examples: Vec<MessageExample>,
    pub tags: Vec<Tag>,
    pub bindings: Bindings,
    /// The key in `components.messages` when the message was a `$ref` to one.
    pub component: Option<String>,
    pub at: Loc,
    pub origin: Option<Loc>,
}

fn component_name(origin: &Option<Loc>) -> Option<String> {
    let o = origin.as_ref()?;
    let tokens = pointer::tokens(&o.pointer)?;
    (tokens.len() == 3 && tokens[0] == "components" && tokens[1] == "messages")
        .then(|| tokens[2].clone())
}

/// The view of a 2.x document.
pub(crate) fn from_v2(doc: &v2::AsyncApi) -> Api {
    let mut api = Api {
        version: doc.asyncapi.clone(),
        info: doc.info.clone(),
        default_content_type: doc.default_content_type.clone(),
        servers: doc
            .servers
            .iter()
            .map(|(name, s)| Server {
                name: name.clone(),
                url: s.url.clone(),
                protocol: s.protocol.clone(),
                protocol_version: s.protocol_version.clone(),
                description: s.description.clone(),
                variables: s.variables.clone(),
                security: requirements(&s.security, &doc.components.security_schemes),
                bindings: s.bindings.clone(),
                at: s.at.clone(),
            })
            .collect(),
        channels: Vec::new(),
        operations: Vec::new(),
        messages: Vec::new(),
        schemas: doc.components.schemas.clone(),
        security_schemes: doc.components.security_schemes.clone(),
    };
    for (address, c) in &doc.channels {
        let channel_id = api.channels.len();
        let mut channel = Channel {
            key: address.clone(),
            address: Some(address.clone()),
            title: None,
            summary: None,
            description: c.description.clone(),
            parameters: c
                .parameters
                .iter()
                .map(|(name, p)| Parameter {
                    name: name.clone(),
                    description: p.description.clone(),
                    schema: p.schema.clone(),
                    enum_values: Vec::new(),
                    default: None,
                    examples: Vec::new(),
                    location: p.location.clone(),
                    at: p.at.clone(),
                })
                .collect(),
            messages: Vec::new(),
            servers: c.servers.clone(),
            tags: Vec::new(),
            bindings: c.bindings.clone(),
            at: c.at.clone(),
        };
        for (verb, action, op) in [
            ("publish", Action::Receive, &c.publish),
            ("subscribe", Action::Send, &c.subscribe),
        ] {
            let Some(op) = op else { continue };
            let mut ids = Vec::new();
            for (i, m) in op.messages.iter().enumerate() {
                // The same message used by both operations of a channel is one message.
                let same = channel.messages.iter().copied().find(|&id| {
                    let known: &Message = &api.messages[id];
                    (known.origin.is_some() && known.origin == m.origin) || known.at == m.at
                });
                if let Some(id) = same {
                    ids.push(id);
                    continue;
                }
                let component = component_name(&m.origin);
                let base = m
                    .message_id
                    .clone()
                    .or_else(|| m.name.clone())
                    .or_else(|| component.clone())
                    .unwrap_or_else(|| {
                        if op.messages.len() == 1 {
                            format!("{verb}Message")
                        } else {
                            format!("{verb}Message{}", i + 1)
                        }
                    });
                let mut key = base.clone();
                let mut n = 2;
                while channel
                    .messages
                    .iter()
                    .any(|&id| api.messages[id].key == key)
                {
                    key = format!("{base}{n}");
                    n += 1;
                }
                let id = api.messages.len();
                api.messages.push(Message {
                    key,
                    channel: channel_id,
                    name: m.name.clone(),
                    title: m.title.clone(),
                    summary: m.summary.clone(),
                    description: m.description.clone(),
                    content_type: m
                        .content_type
                        .clone()
                        .or_else(|| doc.default_content_type.clone()),
                    payload_format: m.schema_format.clone(),
                    payload: m.payload.clone(),
                    headers: m.headers.clone(),
                    correlation_id: m.correlation_id.clone(),
                    examples: m.examples.clone(),
                    tags: m.tags.clone(),
                    bindings: m.bindings.clone(),
                    component,
                    at: m.at.clone(),
                    origin: m.origin.clone(),
                });
                channel.messages.push(id);
                ids.push(id);
            }
            let (key, explicit_key) = match &op.operation_id {
                Some(id) => (id.clone(), true),
                None => (format!("{verb} {address}"), false),
            };
            api.operations.push(Operation {
                key,
                explicit_key,
                action,
                channel: channel_id,
                messages: ids,
                reply: None,
                title: None,
                summary: op.summary.clone(),
                description: op.description.clone(),
                security: requirements(&op.security, &doc.components.security_schemes),
                tags: op.tags.clone(),
                external_docs: op.external_docs.clone(),
                bindings: op.bindings.clone(),
                at: op.at.clone(),
            });
        }
        api.channels.push(channel);
    }
    api
}

fn requirements(
    reqs: &[v2::SecurityRequirement],
    schemes: &IndexMap<String, SecurityScheme>,
) -> Vec<SecurityScheme> {
    let mut out = Vec::new();
    for req in reqs {
        for (name, scopes) in req {
            if let Some(s) = schemes.get(name) {
                let mut s = s.clone();
                s.scopes = scopes.clone();
                out.push(s);
            }
        }
    }
    out
}

/// The view of a 3.x document.
pub(crate) fn from_v3(doc: &v3::AsyncApi) -> Api {
    let mut api = Api {
        version: doc.asyncapi.clone(),
        info: doc.info.clone(),
        default_content_type: doc.default_content_type.clone(),
        servers: doc
            .servers
            .iter()
            .map(|(name, s)| Server {
                name: name.clone(),
                url: format!(
                    "{}://{}{}",
                    s.protocol,
                    s.host,
                    s.pathname.as_deref().unwrap_or("")
                ),
                protocol: s.protocol.clone(),
                protocol_version: s.protocol_version.clone(),
                description: s.description.clone(),
                variables: s.variables.clone(),
                security: s.security.clone(),
                bindings: s.bindings.clone(),
                at: s.at.clone(),
            })
            .collect(),
        channels: Vec::new(),
        operations: Vec::new(),
        messages: Vec::new(),
        schemas: doc.components.schemas.clone(),
        security_schemes: doc.components.security_schemes.clone(),
    };
    let mut message_ids: IndexMap<(String, String), MessageId> = IndexMap::new();
    for (key, c) in &doc.channels {
        let channel_id = api.channels.len();
        let mut messages = Vec::new();
        for (mk, m) in &c.messages {
            let id = api.messages.len();
            api.messages.push(Message {
                key: mk.clone(),
                channel: channel_id,
                name: m.name.clone(),
                title: m.title.clone(),
                summary: m.summary.clone(),
                description: m.description.clone(),
                content_type: m
                    .content_type
                    .clone()
                    .or_else(|| doc.default_content_type.clone()),
                payload_format: m.payload_format.clone(),
                payload: m.payload.clone(),
                headers: m.headers.clone(),
                correlation_id: m.correlation_id.clone(),
                examples: m.examples.clone(),
                tags: m.tags.clone(),
                bindings: m.bindings.clone(),
                component: component_name(&m.origin),
                at: m.at.clone(),
                origin: m.origin.clone(),
            });
            message_ids.insert((key.clone(), mk.clone()), id);
            messages.push(id);
        }
        api.channels.push(Channel {
            key: key.clone(),
            address: c.address.clone(),
            title: c.title.clone(),
            summary: c.summary.clone(),
            description: c.description.clone(),
            parameters: c
                .parameters
                .iter()
                .map(|(name, p)| Parameter {
                    name: name.clone(),
                    description: p.description.clone(),
                    schema: None,
                    enum_values: p.enum_values.clone(),
                    default: p.default.clone(),
                    examples: p.examples.clone(),
                    location: p.location.clone(),
                    at: p.at.clone(),
                })
                .collect(),
            messages,
            servers: c.servers.clone(),
            tags: c.tags.clone(),
            bindings: c.bindings.clone(),
            at: c.at.clone(),
        });
    }
    let channel_index = |key: &str| doc.channels.get_index_of(key);
    for (key, op) in &doc.operations {
        let Some(channel) = channel_index(&op.channel) else {
            continue;
        };
        let messages = if op.messages.is_empty() {
            api.channels[channel].messages.clone()
        } else {
            op.messages
                .iter()
                .filter_map(|m| message_ids.get(&(op.channel.clone(), m.clone())).copied())
                .collect()
        };
        let reply = op.reply.as_ref().map(|r| {
            let reply_channel = r.channel.as_deref().and_then(channel_index);
            let messages = match (&r.channel, r.messages.is_empty()) {
                (Some(c), false) => r
                    .messages
                    .iter()
                    .filter_map(|m| message_ids.get(&(c.clone(), m.clone())).copied())
                    .collect(),
                (Some(_), true) => reply_channel
                    .map(|c| api.channels[c].messages.clone())
                    .unwrap_or_default(),
                (None, _) => Vec::new(),
            };
            Reply {
                channel: reply_channel,
                messages,
                address_location: r.address.as_ref().map(|a| a.location.clone()),
            }
        });
        api.operations.push(Operation {
            key: key.clone(),
            explicit_key: true,
            action: op.action,
            channel,
            messages,
            reply,
            title: op.title.clone(),
            summary: op.summary.clone(),
            description: op.description.clone(),
            security: op.security.clone(),
            tags: op.tags.clone(),
            external_docs: op.external_docs.clone(),
            bindings: op.bindings.clone(),
            at: op.at.clone(),
        });
    }
    api
}
