//! The document's view and its types to the [`Ir`]: every channel, message and operation
//! named as the generated code names it, from the side of the code being generated
//! ([`Perspective`]). Reads the types, which are complete by now; never changes them.

use std::collections::BTreeMap;

use asyncapi_model::Document;
use asyncapi_model::view::Action;

use crate::ir::{
    BindingIr, ChannelIr, Ir, MessageIr, OperationIr, ParamField, ParamsIr, ReplyIr, Role, ServerIr,
};
use crate::names::{Case, Registry, pascal, snake};
use crate::notes::{Note, describe};
use crate::settings::{Perspective, Settings};
use crate::typespace::{ApiTypes, Types};

/// Methods of the generated `Router` and `Publisher` that operations must not be named.
const RESERVED_METHODS: &[&str] = &["new", "handler", "dispatch", "sink", "route"];

/// The names of the generated crate, claimed in document order.
struct Namer<'a> {
    doc: &'a Document,
    /// Type names: those of the types module and the items the emitters add beside them,
    /// which glob imports put in one namespace.
    types: Registry,
    notes: Vec<Note>,
}

impl Namer<'_> {
    /// A unique type name, its renaming (if any) reported at `at`.
    fn claim(&mut self, base: &str, at: &asyncapi_model::Loc) -> String {
        match self.types.claim(base) {
            Ok(n) => n,
            Err(n) => {
                self.notes.push(Note {
                    at: describe(self.doc, at),
                    message: format!(
                        "the name `{base}` is taken by another type; `{n}` is used instead"
                    ),
                });
                n
            }
        }
    }
}

/// Lowers a document whose schemas are typed in `types` (see `typespace::type_api`).
/// `reserved` are the names generated code defines itself.
pub fn lower(
    doc: &Document,
    settings: &Settings,
    api_types: ApiTypes,
    types: &Types,
    reserved: &[&str],
) -> Ir {
    let mut types_names = Registry::default();
    types_names.reserve(reserved.iter().copied());
    // Schema types may take these (generated code then names the prelude's by full path);
    // the items lowering names never do.
    types_names.reserve(crate::typespace::SHADOWABLE.iter().copied());
    types_names.reserve(types.defs.iter().map(|(_, d)| d.name.as_str()));
    let mut namer = Namer {
        doc,
        types: types_names,
        notes: Vec::new(),
    };
    let ApiTypes {
        channels: channel_types,
        messages: message_types,
    } = api_types;
    let channels = lower_channels(&mut namer, channel_types);
    let messages = lower_messages(&mut namer, message_types);
    let mut methods = Registry::new(Case::Snake);
    methods.reserve(RESERVED_METHODS.iter().copied());
    let mut operations = lower_operations(&mut namer, &mut methods, settings.perspective);
    add_reply_handlers(&mut operations, &mut methods);
    let mut notes = namer.notes;
    notes.extend(unreachable_messages(doc, &channels, &messages, &operations));
    notes.extend(indistinguishable_messages(
        doc,
        &channels,
        &messages,
        &operations,
    ));
    let api = &doc.api;
    let servers = lower_servers(doc, settings.adapters, &mut notes);
    Ir {
        title: api.info.title.clone(),
        version: api.info.version.clone(),
        description: api.info.description.clone(),
        servers,
        channels,
        messages,
        operations,
        notes,
    }
}

fn lower_channels(
    namer: &mut Namer<'_>,
    types: Vec<crate::typespace::ChannelTypes>,
) -> Vec<ChannelIr> {
    let doc = namer.doc;
    let mut consts = Registry::new(Case::Snake);
    doc.api
        .channels
        .iter()
        .zip(types)
        .map(|(c, t)| {
            let upper = snake(&c.key, "channel").to_ascii_uppercase();
            let const_name = consts.unique(&format!("CHANNEL_{}", upper.trim_start_matches('_')));
            let params = (!t.params.is_empty()).then(|| {
                let type_name = namer.claim(&format!("{}Params", pascal(&c.key, "Channel")), &c.at);
                let mut fields = Registry::new(Case::Snake);
                ParamsIr {
                    type_name,
                    fields: t
                        .params
                        .into_iter()
                        .map(|p| ParamField {
                            field: fields.unique(&snake(&p.wire, "param")),
                            wire: p.wire,
                            ty: p.ty,
                            kind: p.kind,
                            description: p.description,
                        })
                        .collect(),
                }
            });
            ChannelIr {
                key: c.key.clone(),
                origin: describe(doc, &c.at),
                address: c.address.clone(),
                const_name,
                params,
                description: c.description.clone().or_else(|| c.summary.clone()),
                servers: c.servers.clone(),
                bindings: bindings(&c.bindings),
            }
        })
        .collect()
}

fn lower_messages(
    namer: &mut Namer<'_>,
    types: Vec<crate::typespace::MessageTypes>,
) -> Vec<MessageIr> {
    let doc = namer.doc;
    let api = &doc.api;
    api.messages
        .iter()
        .zip(types)
        .enumerate()
        .map(|(i, (m, t))| {
            let base = crate::typespace::message_base_name(doc, i);
            // The message's own name, else with `Message` appended when a schema type has
            // it, else with a numeric suffix; the channel tells apart the messages one
            // definition gives several channels.
            let at = &api.channels[m.channel].at;
            let wanted = format!("{base}Message");
            let type_name = if namer.types.is_taken(&base) && !namer.types.is_taken(&wanted) {
                namer.claim(&wanted, at)
            } else {
                namer.claim(&base, at)
            };
            MessageIr {
                key: m.key.clone(),
                origin: describe(doc, &m.at),
                channel: m.channel,
                type_name,
                payload: t.payload,
                json: t.json,
                avro_type: t.avro,
                headers: t.headers,
                header_kinds: t.header_kinds,
                header_consts: t.header_consts,
                payload_consts: t.payload_consts,
                content_type: m.content_type.clone(),
                correlation: m.correlation_id.as_ref().map(|c| c.location.clone()),
                summary: m.summary.clone().or_else(|| m.title.clone()),
                description: m.description.clone(),
                examples: m.examples.clone(),
                bindings: bindings(&m.bindings),
            }
        })
        .collect()
}

/// A `bindings` object as JSON text per protocol, in document order.
fn bindings(b: &asyncapi_model::model::Bindings) -> Vec<BindingIr> {
    b.iter()
        .map(|(protocol, value)| BindingIr {
            protocol: protocol.clone(),
            json: serde_json::to_string(value).unwrap_or_else(|_| "null".to_owned()),
        })
        .collect()
}

/// The servers, each with the feature and `connect` function of its adapter when one
/// speaks its protocol (else a note says there is none).
fn lower_servers(doc: &Document, adapters: bool, notes: &mut Vec<Note>) -> Vec<ServerIr> {
    let mut functions = Registry::new(Case::Snake);
    doc.api
        .servers
        .iter()
        .map(|s| {
            let (host, pathname) = split_url(&s.url);
            let feature = crate::protocols::feature(&s.protocol).filter(|_| adapters);
            if feature.is_none() && adapters {
                notes.push(Note {
                    at: describe(doc, &s.at),
                    message: format!(
                        "server `{}` speaks `{}`, which no adapter of asyncapi-transport supports (mqtt, kafka, nats, amqp, ws, http and their secure forms): it gets no `connect` function",
                        s.name, s.protocol
                    ),
                });
            }
            ServerIr {
                key: s.name.clone(),
                origin: describe(doc, &s.at),
                url: s.url.clone(),
                protocol: s.protocol.clone(),
                protocol_version: s.protocol_version.clone(),
                host,
                pathname,
                description: s.description.clone(),
                variables: s.variables.clone(),
                security: s.security.clone(),
                bindings: bindings(&s.bindings),
                feature,
                connect_fn: feature.map(|_| functions.unique(&snake(&s.name, "server"))),
            }
        })
        .collect()
}

/// `scheme://host:port/path?query` (any part but the host may be missing, `{variables}`
/// anywhere) to the host with its port, and the path when it is not empty.
pub(crate) fn split_url(url: &str) -> (String, Option<String>) {
    let rest = match url.find("://") {
        Some(i)
            if url[..i]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')) =>
        {
            &url[i + 3..]
        }
        _ => url,
    };
    // The first `/`, `?` or `#` outside a `{variable}` ends the host.
    let mut depth = 0usize;
    let mut end = rest.len();
    for (i, c) in rest.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            '/' | '?' | '#' if depth == 0 => {
                end = i;
                break;
            }
            _ => {}
        }
    }
    let host = rest[..end].to_owned();
    let tail = &rest[end..];
    let path = tail.split(['?', '#']).next().unwrap_or("");
    let path = (!path.is_empty() && path != "/").then(|| path.to_owned());
    (host, path)
}

/// Whether the generated code receives or sends an operation the document gives `action`.
fn role(action: Action, perspective: Perspective) -> Role {
    match (action, perspective) {
        (Action::Receive, Perspective::App) | (Action::Send, Perspective::Client) => Role::Receive,
        (Action::Send, Perspective::App) | (Action::Receive, Perspective::Client) => Role::Send,
    }
}

fn lower_operations(
    namer: &mut Namer<'_>,
    methods: &mut Registry,
    perspective: Perspective,
) -> Vec<OperationIr> {
    let doc = namer.doc;
    doc.api
        .operations
        .iter()
        .map(|op| {
            let stem = pascal(&op.key, "Operation");
            let enum_name =
                (op.messages.len() > 1).then(|| namer.claim(&format!("{stem}Message"), &op.at));
            let reply = op.reply.as_ref().map(|r| ReplyIr {
                channel: r.channel,
                messages: r.messages.clone(),
                address_location: r.address_location.clone(),
                enum_name: (r.messages.len() > 1)
                    .then(|| namer.claim(&format!("{stem}Reply"), &op.at)),
            });
            OperationIr {
                key: op.key.clone(),
                origin: describe(doc, &op.at),
                method: methods.unique(&snake(&op.key, "operation")),
                role: role(op.action, perspective),
                channel: op.channel,
                messages: op.messages.clone(),
                enum_name,
                reply,
                summary: op.summary.clone().or_else(|| op.title.clone()),
                description: op.description.clone(),
                bindings: bindings(&op.bindings),
            }
        })
        .collect()
}

/// The replies to what the generated code sends arrive on the reply channel: each such
/// reply gets a handler method of its own, `<operation>_reply`.
fn add_reply_handlers(operations: &mut Vec<OperationIr>, methods: &mut Registry) {
    let replies: Vec<OperationIr> = operations
        .iter()
        .filter(|op| op.role == Role::Send)
        .filter_map(|op| {
            let reply = op.reply.as_ref()?;
            let channel = reply.channel.filter(|_| !reply.messages.is_empty())?;
            // How this side receives: the bindings of a receive operation on the request's
            // channel that answers on the same channel (its consumer group, queue, QoS), else
            // the request's own.
            let counterpart = operations.iter().find(|o| {
                o.role == Role::Receive
                    && o.channel == op.channel
                    && o.reply.as_ref().and_then(|r| r.channel) == Some(channel)
                    && !o.bindings.is_empty()
            });
            Some(OperationIr {
                key: format!("{}Reply", op.key),
                origin: op.origin.clone(),
                method: methods.unique(&format!("{}_reply", op.method)),
                role: Role::Receive,
                channel,
                messages: reply.messages.clone(),
                enum_name: reply.enum_name.clone(),
                reply: None,
                summary: Some(format!("The reply to `{}`.", op.key)),
                description: None,
                bindings: counterpart.map_or(&op.bindings, |o| &o.bindings).clone(),
            })
        })
        .collect();
    operations.extend(replies);
}

/// The router calls one handler method per message: the first receive operation's. Later
/// ones that receive the same message are reported.
fn unreachable_messages(
    doc: &Document,
    channels: &[ChannelIr],
    messages: &[MessageIr],
    ops: &[OperationIr],
) -> Vec<Note> {
    let mut receiver: BTreeMap<usize, &str> = BTreeMap::new();
    let mut notes = Vec::new();
    for (i, op) in ops.iter().enumerate() {
        if op.role != Role::Receive {
            continue;
        }
        for &m in &op.messages {
            match receiver.get(&m) {
                None => {
                    receiver.insert(m, &op.key);
                }
                Some(first) => notes.push(Note {
                    at: doc
                        .api
                        .operations
                        .get(i)
                        .map_or_else(|| op.origin.clone(), |o| describe(doc, &o.at)),
                    message: format!(
                        "message `{}` of channel `{}` is also received by operation `{first}`, which comes first: the router never calls `{}` with it",
                        messages[m].key, channels[messages[m].channel].key, op.method
                    ),
                }),
            }
        }
    }
    notes
}

/// Receive messages of one channel that the router can only tell apart by trying their
/// schemas.
fn indistinguishable_messages(
    doc: &Document,
    channels: &[ChannelIr],
    messages: &[MessageIr],
    ops: &[OperationIr],
) -> Vec<Note> {
    let received: Vec<usize> = ops
        .iter()
        .filter(|o| o.role == Role::Receive)
        .flat_map(|o| o.messages.iter().copied())
        .collect();
    let apart = |a: &MessageIr, b: &MessageIr| {
        let headers = !a.header_consts.is_empty()
            && !b.header_consts.is_empty()
            && a.header_consts
                .iter()
                .any(|(n, v)| b.header_consts.iter().any(|(n2, v2)| n == n2 && v != v2));
        let payload = !a.payload_consts.is_empty()
            && !b.payload_consts.is_empty()
            && a.payload_consts.iter().all(|alt| {
                b.payload_consts.iter().all(|alt2| {
                    alt.iter()
                        .any(|(p, v)| alt2.iter().any(|(p2, v2)| p == p2 && v != v2))
                })
            });
        let ct = matches!((&a.content_type, &b.content_type), (Some(x), Some(y)) if x != y);
        headers || payload || ct
    };
    let mut notes = Vec::new();
    for (i, &a) in received.iter().enumerate() {
        for &b in &received[i + 1..] {
            let (ma, mb) = (&messages[a], &messages[b]);
            if a == b || ma.channel != mb.channel || apart(ma, mb) {
                continue;
            }
            notes.push(Note {
                at: describe(doc, &doc.api.channels[ma.channel].at),
                message: format!(
                    "messages `{}` and `{}` of channel `{}` have no const header, const payload property or content type that tells them apart; the router picks the one whose schema alone accepts a payload and reports the rest as ambiguous",
                    ma.key, mb.key, channels[ma.channel].key
                ),
            });
        }
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::split_url;

    #[test]
    fn urls_split_into_host_and_path() {
        let split = |u: &str| {
            let (h, p) = split_url(u);
            (h, p.unwrap_or_default())
        };
        assert_eq!(
            split("mqtt://broker:1883"),
            ("broker:1883".into(), String::new())
        );
        assert_eq!(
            split("127.0.0.1:{port}"),
            ("127.0.0.1:{port}".into(), String::new())
        );
        assert_eq!(
            split("wss://ws.kraken.com/v2?x=1"),
            ("ws.kraken.com".into(), "/v2".into())
        );
        assert_eq!(split("{host}/{path}"), ("{host}".into(), "/{path}".into()));
        assert_eq!(split("{a/b}:1/x"), ("{a/b}:1".into(), "/x".into()));
        assert_eq!(split("http://h/"), ("h".into(), String::new()));
        assert_eq!(split("kafka://"), (String::new(), String::new()));
    }
}
