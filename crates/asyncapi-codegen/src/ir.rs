//! The generator's IR: the document's channels, operations and messages from the point of
//! view of the code being generated, with the Rust type of every payload, headers and
//! parameters schema. The same for AsyncAPI 2.x and 3.x (the model's view already is).

use asyncapi_model::view::Action;
use asyncapi_model::{Document, SchemaFormat};
use serde_json::Value;

use crate::Note;
use crate::names::{self, pascal, snake};
use crate::typespace::{S, Ty, TypeSpace};
use crate::{Perspective, Settings};

/// What the generated code does with an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The generated code receives: a handler method and a router arm.
    Receive,
    /// The generated code sends: a publisher method.
    Send,
}

#[derive(Debug, Clone)]
pub struct ChannelIr {
    pub key: String,
    pub address: Option<String>,
    /// `CHANNEL_...` constant name.
    pub const_name: String,
    /// Parameters struct name and fields, when the address has parameters.
    pub params: Option<ParamsIr>,
    pub description: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ParamsIr {
    pub type_name: String,
    pub fields: Vec<ParamField>,
}

#[derive(Debug, Clone)]
pub struct ParamField {
    pub wire: String,
    pub field: String,
    pub ty: Ty,
    pub kind: &'static str,
    pub description: Option<String>,
}

#[derive(Debug, Clone)]
pub struct MessageIr {
    pub key: String,
    pub channel: usize,
    /// The message struct (`payload` + `headers`).
    pub type_name: String,
    pub payload: Option<Ty>,
    /// The payload is JSON (else raw bytes).
    pub json: bool,
    /// For an Avro payload (raw bytes on the wire): the Rust type of its schema.
    pub avro_type: Option<Ty>,
    pub headers: Option<Ty>,
    pub header_kinds: Vec<(String, &'static str)>,
    pub header_consts: Vec<(String, String)>,
    pub payload_consts: Vec<Vec<(String, Value)>>,
    pub content_type: Option<String>,
    pub correlation: Option<String>,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub examples: Vec<asyncapi_model::model::MessageExample>,
}

#[derive(Debug, Clone)]
pub struct OperationIr {
    pub key: String,
    pub method: String,
    pub role: Role,
    pub channel: usize,
    pub messages: Vec<usize>,
    /// The enum of the operation's messages, when it has several.
    pub enum_name: Option<String>,
    pub reply: Option<ReplyIr>,
    pub summary: Option<String>,
    pub description: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ReplyIr {
    pub channel: Option<usize>,
    pub messages: Vec<usize>,
    pub address_location: Option<String>,
    pub enum_name: Option<String>,
}

#[derive(Debug)]
pub struct Ir {
    pub title: String,
    pub version: String,
    pub description: Option<String>,
    pub servers: Vec<(String, String, String)>,
    pub channels: Vec<ChannelIr>,
    pub messages: Vec<MessageIr>,
    pub operations: Vec<OperationIr>,
}

fn is_json(content_type: Option<&str>) -> bool {
    match content_type {
        None => true,
        Some(ct) => {
            let base = ct
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            base == "application/json" || base.ends_with("+json") || base == "text/json"
        }
    }
}

pub fn lower<'d>(
    doc: &'d Document,
    settings: &Settings,
    space: &mut TypeSpace<'d>,
    arena: &'d typed_arena::Arena<serde_json::Value>,
) -> Ir {
    let api = &doc.api;
    // Component schemas first, so they keep their own names: the name a `$ref` to them
    // gives (the last segment of a dotted Java-style key).
    let component_name = |key: &str| {
        crate::typespace::name_of_location(
            std::path::Path::new(""),
            &asyncapi_model::pointer::push("/components/schemas", key),
        )
        .unwrap_or_else(|| key.to_owned())
    };
    let components: Vec<(String, asyncapi_model::Loc)> = api
        .schemas
        .iter()
        .filter(|(_, schema)| schema.merged.is_none())
        .map(|(key, schema)| (component_name(key), schema.target.clone()))
        .collect();
    space.reserve_component_names(&components);
    for (key, schema) in &api.schemas {
        if let Some(s) = space.schema(schema) {
            if schema.merged.is_none() {
                space.component(
                    S {
                        v: s.v,
                        loc: schema.target.clone(),
                        stored: true,
                    },
                    &component_name(key),
                );
            }
        }
    }
    let mut notes: Vec<Note> = Vec::new();
    let mut channels = Vec::new();
    let mut used_consts = std::collections::BTreeSet::new();
    for c in &api.channels {
        let base = format!(
            "CHANNEL_{}",
            snake(&c.key, "channel")
                .to_ascii_uppercase()
                .trim_start_matches('_')
        );
        let mut const_name = base.clone();
        let mut n = 2;
        while !used_consts.insert(const_name.clone()) {
            const_name = format!("{base}_{n}");
            n += 1;
        }
        let template_params = c
            .address
            .as_deref()
            .map(asyncapi_model::view::template_names)
            .unwrap_or_default();
        let params = if template_params.is_empty() {
            None
        } else {
            let type_name = claim(
                space,
                &format!("{}Params", pascal(&c.key, "Channel")),
                &c.at,
            );
            let mut fields = Vec::new();
            let mut used = std::collections::BTreeSet::new();
            for wire in template_params {
                let p = c.parameters.iter().find(|p| p.name == wire);
                let mut kind = "string";
                let ty = match p {
                    Some(p) => match p.schema.as_ref().and_then(|s| space.schema(s)) {
                        Some(s) => {
                            let t = s.v.get("type").and_then(Value::as_str).unwrap_or("string");
                            kind = match t {
                                "integer" => "integer",
                                "number" => "number",
                                "boolean" => "boolean",
                                _ => "string",
                            };
                            space.ty(s, &format!("{type_name}{}", pascal(&wire, "Param")))
                        }
                        // 3.x parameter enums: strict, since an unknown value is an
                        // address this API does not have.
                        None if !p.enum_values.is_empty() => space.string_enum(
                            &format!("{type_name}{}", pascal(&wire, "Param")),
                            &p.enum_values,
                            &p.at,
                        ),
                        None => Ty::String,
                    },
                    None => Ty::String,
                };
                let base = snake(&wire, "param");
                let mut field = base.clone();
                let mut k = 2;
                while !used.insert(field.clone()) {
                    field = format!("{base}_{k}");
                    k += 1;
                }
                fields.push(ParamField {
                    wire,
                    field,
                    ty,
                    kind,
                    description: p.and_then(|p| p.description.clone()),
                });
            }
            Some(ParamsIr { type_name, fields })
        };
        channels.push(ChannelIr {
            key: c.key.clone(),
            address: c.address.clone(),
            const_name,
            params,
            description: c.description.clone().or_else(|| c.summary.clone()),
        });
    }
    let mut messages = Vec::new();
    for m in &api.messages {
        let base = pascal(
            m.name
                .as_deref()
                .filter(|_| api.version.starts_with('2'))
                .unwrap_or(&m.key),
            "Message",
        );
        // Avro payloads are typed (first, so that their record names win over the message's) through their JSON Schema equivalent; on the wire they
        // stay bytes (binary Avro), which the handler decodes into that type.
        let mut avro_type = None;
        match &m.payload_format {
            SchemaFormat::Avro(_) => {
                let avro = m.payload.as_ref().and_then(|p| doc.store.get(&p.target));
                match avro {
                    Some(avro) => {
                        let json = arena.alloc(crate::avro::to_json_schema(avro));
                        let label = format!("{} (Avro)", crate::describe(doc, &m.payload.as_ref().map(|p| p.target.clone()).unwrap_or_else(|| m.at.clone())));
                        let s = space.add_virtual(json, label);
                        avro_type = Some(space.ty(s, &format!("{base}Payload")));
                    }
                    None => notes.push(Note { at: crate::describe(doc, &m.at), message: format!("message `{}` has no Avro schema to type", m.key) }),
                }
            }
            f if !f.is_json_schema() => notes.push(Note {
                at: crate::describe(doc, &m.at),
                message: format!(
                    "message `{}` has a payload in a schema format the generator does not type ({}); it is passed as raw bytes",
                    m.key,
                    match f {
                        SchemaFormat::Other(f) => f.as_str(),
                        _ => "unknown",
                    }
                ),
            }),
            _ => {}
        }
        // The channel tells apart the messages one definition gives several channels.
        let type_name = space.claim_message_name(&base, &api.channels[m.channel].at);
        let json = m.payload_format.is_json_schema() && is_json(m.content_type.as_deref());
        let payload = m.payload.as_ref().and_then(|p| {
            if !json {
                return None;
            }
            let s = space.schema(p)?;
            Some(space.ty(s, &format!("{type_name}Payload")))
        });
        let (headers, header_kinds, header_consts) =
            match m.headers.as_ref().and_then(|h| space.schema(h)) {
                Some(s) => {
                    let ty = space.ty(s.clone(), &format!("{type_name}Headers"));
                    let kinds = space.property_kinds(s.clone());
                    let consts = space
                        .const_alternatives(s, false)
                        .into_iter()
                        .next()
                        .unwrap_or_default()
                        .into_iter()
                        .filter_map(|(p, v)| {
                            Some((
                                asyncapi_model::pointer::last_token(&p),
                                v.as_str()?.to_owned(),
                            ))
                        })
                        .collect();
                    (Some(ty), kinds, consts)
                }
                None => (None, Vec::new(), Vec::new()),
            };
        let payload_consts = match m.payload.as_ref().and_then(|p| space.schema(p)) {
            Some(s) if json => space.const_alternatives(s, true),
            _ => Vec::new(),
        };
        messages.push(MessageIr {
            key: m.key.clone(),
            channel: m.channel,
            type_name,
            payload,
            json,
            avro_type,
            headers,
            header_kinds,
            header_consts,
            payload_consts,
            content_type: m.content_type.clone(),
            correlation: m.correlation_id.as_ref().map(|c| c.location.clone()),
            summary: m.summary.clone().or_else(|| m.title.clone()),
            description: m.description.clone(),
            examples: m.examples.clone(),
        });
    }
    let mut operations = Vec::new();
    let mut used_methods = std::collections::BTreeSet::new();
    for op in &api.operations {
        let role = match (op.action, settings.perspective) {
            (Action::Receive, Perspective::App) | (Action::Send, Perspective::Client) => {
                Role::Receive
            }
            (Action::Send, Perspective::App) | (Action::Receive, Perspective::Client) => Role::Send,
        };
        let base = snake(&op.key, "operation");
        let mut method = base.clone();
        let mut n = 2;
        while !used_methods.insert(method.clone())
            || matches!(method.as_str(), "new" | "handler" | "dispatch" | "sink")
        {
            method = format!("{base}_{n}");
            n += 1;
        }
        let enum_name = (op.messages.len() > 1).then(|| {
            claim(
                space,
                &format!("{}Message", pascal(&op.key, "Operation")),
                &op.at,
            )
        });
        let reply = op.reply.as_ref().map(|r| ReplyIr {
            channel: r.channel,
            messages: r.messages.clone(),
            address_location: r.address_location.clone(),
            enum_name: (r.messages.len() > 1).then(|| {
                claim(
                    space,
                    &format!("{}Reply", pascal(&op.key, "Operation")),
                    &op.at,
                )
            }),
        });
        operations.push(OperationIr {
            key: op.key.clone(),
            method,
            role,
            channel: op.channel,
            messages: op.messages.clone(),
            enum_name,
            reply,
            summary: op.summary.clone().or_else(|| op.title.clone()),
            description: op.description.clone(),
        });
    }
    // The replies to what the generated code sends arrive on the reply channel: each such
    // reply gets a handler method of its own, `<operation>_reply`.
    let sent_with_reply: Vec<usize> = (0..operations.len())
        .filter(|&i| {
            operations[i].role == Role::Send
                && operations[i]
                    .reply
                    .as_ref()
                    .is_some_and(|r| r.channel.is_some() && !r.messages.is_empty())
        })
        .collect();
    for i in sent_with_reply {
        let op = operations[i].clone();
        let Some(reply) = op.reply.as_ref() else {
            continue;
        };
        let Some(channel) = reply.channel else {
            continue;
        };
        let base = format!("{}_reply", op.method);
        let mut method = base.clone();
        let mut n = 2;
        while !used_methods.insert(method.clone()) {
            method = format!("{base}_{n}");
            n += 1;
        }
        operations.push(OperationIr {
            key: format!("{}Reply", op.key),
            method,
            role: Role::Receive,
            channel,
            messages: reply.messages.clone(),
            enum_name: reply.enum_name.clone(),
            reply: None,
            summary: Some(format!("The reply to `{}`.", op.key)),
            description: None,
        });
    }
    // The router calls one handler method per message: the first receive operation's.
    let mut receiver: std::collections::BTreeMap<usize, &str> = std::collections::BTreeMap::new();
    for (i, op) in operations.iter().enumerate() {
        if op.role != Role::Receive {
            continue;
        }
        for &m in &op.messages {
            match receiver.get(&m) {
                None => {
                    receiver.insert(m, &op.key);
                }
                Some(first) => notes.push(Note {
                    at: crate::describe(doc, &api.operations[i].at),
                    message: format!(
                        "message `{}` of channel `{}` is also received by operation `{first}`, which comes first: the router never calls `{}` with it",
                        messages[m].key, channels[messages[m].channel].key, op.method
                    ),
                }),
            }
        }
    }
    report_indistinguishable(doc, &channels, &messages, &operations, &mut notes);
    space.notes.extend(notes);
    Ir {
        title: api.info.title.clone(),
        version: api.info.version.clone(),
        description: api.info.description.clone(),
        servers: api
            .servers
            .iter()
            .map(|s| (s.name.clone(), s.url.clone(), s.protocol.clone()))
            .collect(),
        channels,
        messages,
        operations,
    }
}

fn claim(space: &mut TypeSpace<'_>, base: &str, at: &asyncapi_model::Loc) -> String {
    space.claim_name(base, at)
}

/// Warns about receive messages the router can only tell apart by trying their schemas.
fn report_indistinguishable(
    doc: &Document,
    channels: &[ChannelIr],
    messages: &[MessageIr],
    ops: &[OperationIr],
    notes: &mut Vec<Note>,
) {
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
    for (i, &a) in received.iter().enumerate() {
        for &b in &received[i + 1..] {
            let (ma, mb) = (&messages[a], &messages[b]);
            if a == b || ma.channel != mb.channel || apart(ma, mb) {
                continue;
            }
            notes.push(Note {
                at: crate::describe(doc, &doc.api.channels[ma.channel].at),
                message: format!(
                    "messages `{}` and `{}` of channel `{}` have no const header, const payload property or content type that tells them apart; the router picks the one whose schema alone accepts a payload and reports the rest as ambiguous",
                    ma.key, mb.key, channels[ma.channel].key
                ),
            });
        }
    }
    let _ = names::words;
}
