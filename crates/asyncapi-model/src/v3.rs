//! The AsyncAPI 3.0–3.1 document model and its reader.

use std::collections::{HashMap, HashSet};

use indexmap::IndexMap;
use serde::Serialize;
use serde_json::Value;

use crate::check::template_names;
use crate::context::{At, Cx, read_via_ref, ref_of};
use crate::fields::v3::{
    CHANNEL, COMPONENTS, MESSAGE, MESSAGE_TRAIT, MULTI_FORMAT_SCHEMA, OPERATION, OPERATION_TRAIT,
    PARAMETER, REPLY, REPLY_ADDRESS, ROOT, SERVER,
};
use crate::model::{
    self, Bindings, CorrelationId, Extensions, ExternalDocs, Info, MessageExample, Schema,
    SecurityScheme, ServerVariable, Tag, check_address_parameters, check_component_key,
};
use crate::object::Obj;
use crate::pointer;
use crate::schema;
use crate::schema_format::SchemaFormat;
use crate::sink::kind;
use crate::store::Loc;
use crate::traits::with_traits;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AsyncApi {
    pub asyncapi: String,
    pub id: Option<String>,
    pub info: Info,
    pub servers: IndexMap<String, Server>,
    pub default_content_type: Option<String>,
    pub channels: IndexMap<String, Channel>,
    pub operations: IndexMap<String, Operation>,
    pub components: Components,
    pub extensions: Extensions,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Server {
    pub host: String,
    pub protocol: String,
    pub protocol_version: Option<String>,
    pub pathname: Option<String>,
    pub title: Option<String>,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub variables: IndexMap<String, ServerVariable>,
    pub security: Vec<SecurityScheme>,
    pub tags: Vec<Tag>,
    pub external_docs: Option<ExternalDocs>,
    pub bindings: Bindings,
    pub extensions: Extensions,
    pub at: Loc,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Channel {
    /// `None` when the address is unknown or dynamic (`address: null` or absent).
    pub address: Option<String>,
    pub messages: IndexMap<String, Message>,
    pub title: Option<String>,
    pub summary: Option<String>,
    pub description: Option<String>,
    /// Keys of `servers` this channel is available on (empty: all).
    pub servers: Vec<String>,
    pub parameters: IndexMap<String, Parameter>,
    pub tags: Vec<Tag>,
    pub external_docs: Option<ExternalDocs>,
    pub bindings: Bindings,
    pub extensions: Extensions,
    pub at: Loc,
    pub origin: Option<Loc>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Message {
    pub name: Option<String>,
    pub title: Option<String>,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub content_type: Option<String>,
    pub payload_format: SchemaFormat,
    pub payload: Option<Schema>,
    pub headers: Option<Schema>,
    pub correlation_id: Option<CorrelationId>,
    pub tags: Vec<Tag>,
    pub external_docs: Option<ExternalDocs>,
    pub bindings: Bindings,
    pub examples: Vec<MessageExample>,
    pub extensions: Extensions,
    pub at: Loc,
    pub origin: Option<Loc>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Parameter {
    pub enum_values: Vec<String>,
    pub default: Option<String>,
    pub description: Option<String>,
    pub examples: Vec<String>,
    pub location: Option<String>,
    pub extensions: Extensions,
    pub at: Loc,
}

/// What the application described by the document does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Send,
    Receive,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Operation {
    pub action: Action,
    /// Key of the channel in `channels`.
    pub channel: String,
    pub title: Option<String>,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub security: Vec<SecurityScheme>,
    pub tags: Vec<Tag>,
    pub external_docs: Option<ExternalDocs>,
    pub bindings: Bindings,
    /// Keys of the channel's messages this operation uses (empty: all of them).
    pub messages: Vec<String>,
    pub reply: Option<Reply>,
    pub extensions: Extensions,
    pub at: Loc,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reply {
    pub address: Option<ReplyAddress>,
    /// Key of the reply channel in `channels`.
    pub channel: Option<String>,
    /// Keys of the reply channel's messages.
    pub messages: Vec<String>,
    pub extensions: Extensions,
    pub at: Loc,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReplyAddress {
    /// A runtime expression, e.g. `$message.header#/replyTo`.
    pub location: String,
    pub description: Option<String>,
    pub extensions: Extensions,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Components {
    pub schemas: IndexMap<String, Schema>,
    pub messages: IndexMap<String, Message>,
    pub security_schemes: IndexMap<String, SecurityScheme>,
    pub parameters: IndexMap<String, Parameter>,
    pub correlation_ids: IndexMap<String, CorrelationId>,
    pub server_variables: IndexMap<String, ServerVariable>,
    pub extensions: Extensions,
}

/// Where channels and their messages are, to turn `$ref`s into keys.
#[derive(Default)]
struct Index {
    channels: HashMap<Loc, String>,
    messages: HashMap<Loc, (String, String)>,
    /// Every channel key, to read `#/channels/c` without a scan.
    keys: HashSet<String>,
    /// Every `(channel key, message key)`, to read `#/channels/c/messages/m` without a scan.
    pairs: HashSet<(String, String)>,
}

pub(crate) fn read_document<'s>(cx: &mut Cx<'s>, root: &At<'s>) -> Option<AsyncApi> {
    let o = Obj::new(cx, root, "the AsyncAPI document", ROOT)?;
    let asyncapi = o.req_str(cx, "asyncapi");
    let id = o.str(cx, "id");
    let info = match o.get("info") {
        Some(n) => model::info(cx, &n).unwrap_or_default(),
        None => {
            cx.error(
                "missing-field",
                &o.at,
                "the AsyncAPI document is missing the required field `info`",
            );
            Info::default()
        }
    };
    let components = o
        .get("components")
        .and_then(|n| components(cx, &n))
        .unwrap_or_default();
    let servers = o.map_of(cx, "servers", "server", true, |cx, _, n, _| server(cx, n));
    let mut server_locs: HashMap<Loc, String> = HashMap::new();
    for (k, s) in &servers {
        server_locs.insert(o.at.child("servers").child(k), k.clone());
        server_locs.insert(s.at.clone(), k.clone());
    }
    let mut index = Index::default();
    let channels = o.map_of(cx, "channels", "channel", true, |cx, key, n, via| {
        let c = channel(cx, n, via, &server_locs)?;
        let local = o.at.child("channels").child(key);
        index.channels.insert(local.clone(), key.to_owned());
        index.channels.insert(c.at.clone(), key.to_owned());
        index.keys.insert(key.to_owned());
        for (mk, m) in &c.messages {
            let pair = (key.to_owned(), mk.clone());
            index
                .messages
                .insert(local.child("messages").child(mk), pair.clone());
            index.messages.insert(m.at.clone(), pair.clone());
            index.pairs.insert(pair.clone());
            if let Some(origin) = &m.origin {
                // A component message used by one channel only is found through it.
                index.messages.entry(origin.clone()).or_insert(pair);
            }
        }
        Some(c)
    });
    let operations = o.map_of(cx, "operations", "operation", true, |cx, _, n, _| {
        operation(cx, n, &channels, &index)
    });
    let default_content_type = o.str(cx, "defaultContentType");
    let extensions = o.finish(cx);
    Some(AsyncApi {
        asyncapi,
        id,
        info,
        servers,
        default_content_type,
        channels,
        operations,
        components,
        extensions,
    })
}

fn server<'s>(cx: &mut Cx<'s>, n: &At<'s>) -> Option<Server> {
    let o = Obj::new(cx, n, "a server object", SERVER)?;
    let variables = o.map_of(cx, "variables", "server variable", true, |cx, _, n, _| {
        model::server_variable(cx, n)
    });
    let s = Server {
        host: o.req_str(cx, "host"),
        protocol: o.req_str(cx, "protocol"),
        protocol_version: o.str(cx, "protocolVersion"),
        pathname: o.str(cx, "pathname"),
        title: o.doc_str(cx, "title"),
        summary: o.doc_str(cx, "summary"),
        description: o.doc_str(cx, "description"),
        security: security(cx, &o),
        tags: model::tags(cx, &o),
        external_docs: model::external_docs(cx, &o),
        bindings: model::bindings(cx, &o),
        variables,
        extensions: Default::default(),
        at: n.at.clone(),
    };
    let template = format!("{}{}", s.host, s.pathname.as_deref().unwrap_or(""));
    for var in template_names(&template) {
        if !s.variables.contains_key(&var) {
            cx.error("undefined-variable", &o.at.child("host"), format!("server host or pathname uses `{{{var}}}` but `variables` does not define `{var}`"));
        }
    }
    Some(Server {
        extensions: o.finish(cx),
        ..s
    })
}

fn security<'s>(cx: &mut Cx<'s>, o: &Obj<'s>) -> Vec<SecurityScheme> {
    o.list_of(cx, "security", "security scheme", true, |cx, n, via| {
        let name = via.as_ref().map(|l| pointer::last_token(&l.pointer));
        model::security_scheme(cx, name.as_deref(), n)
    })
}

fn channel<'s>(
    cx: &mut Cx<'s>,
    n: &At<'s>,
    via: Option<Loc>,
    servers: &HashMap<Loc, String>,
) -> Option<Channel> {
    let o = Obj::new(cx, n, "a channel object", CHANNEL)?;
    let address = match o.get("address") {
        Some(a) if a.v.is_null() => None,
        Some(_) => o.str(cx, "address"),
        None => None,
    };
    let messages = o.map_of(cx, "messages", "message", true, |cx, name, n, via| {
        check_component_key(cx, name, &n.at);
        message(cx, n, via)
    });
    let server_refs = o.list_of(cx, "servers", "server", false, |cx, n, _| {
        let Some(Value::String(r)) = ref_of(n.v) else {
            cx.error(
                "invalid-type",
                &n.at,
                "channel `servers` items must be `$ref`s to servers",
            );
            return None;
        };
        let target = match cx.store.resolve(n.at.file, r) {
            Ok(t) => t,
            Err(e) => {
                cx.unresolved(&n.at.child("$ref"), "server", e);
                return None;
            }
        };
        match servers.get(&target) {
            Some(key) => Some(key.clone()),
            None => {
                cx.error(
                    "invalid-ref",
                    &n.at.child("$ref"),
                    format!("`{r}` is not a server in the document's `servers`"),
                );
                None
            }
        }
    });
    let parameters = o.map_of(cx, "parameters", "parameter", true, |cx, _, n, _| {
        parameter(cx, n)
    });
    if let Some(a) = &address {
        check_address_parameters(cx, a, parameters.keys(), &n.at);
    }
    let c = Channel {
        address,
        messages,
        title: o.doc_str(cx, "title"),
        summary: o.doc_str(cx, "summary"),
        description: o.doc_str(cx, "description"),
        servers: server_refs,
        parameters,
        tags: model::tags(cx, &o),
        external_docs: model::external_docs(cx, &o),
        bindings: model::bindings(cx, &o),
        extensions: Default::default(),
        at: n.at.clone(),
        origin: via,
    };
    Some(Channel {
        extensions: o.finish(cx),
        ..c
    })
}

fn parameter<'s>(cx: &mut Cx<'s>, n: &At<'s>) -> Option<Parameter> {
    let o = Obj::new(cx, n, "a parameter object", PARAMETER)?;
    let p = Parameter {
        enum_values: o.strs(cx, "enum"),
        default: o.str(cx, "default"),
        description: o.doc_str(cx, "description"),
        examples: o.doc_strs(cx, "examples"),
        location: o.str(cx, "location"),
        extensions: Default::default(),
        at: n.at.clone(),
    };
    Some(Parameter {
        extensions: o.finish(cx),
        ..p
    })
}

/// A 3.x schema field: a schema, or a multi-format schema object `{schemaFormat, schema}`.
fn any_schema<'s>(cx: &mut Cx<'s>, n: &At<'s>) -> (SchemaFormat, Schema) {
    if let Value::Object(map) = n.v {
        if map.contains_key("schemaFormat") && !map.contains_key("$ref") {
            if let Some(o) = Obj::new(cx, n, "a multi-format schema object", MULTI_FORMAT_SCHEMA) {
                let format = SchemaFormat::parse(&o.req_str(cx, "schemaFormat"));
                let schema = match o.get("schema") {
                    Some(s) => schema::payload(cx, &s, &format),
                    None => {
                        cx.error(
                            "missing-field",
                            &n.at,
                            "a multi-format schema object is missing the required field `schema`",
                        );
                        Schema {
                            at: n.at.clone(),
                            target: n.at.clone(),
                            merged: None,
                        }
                    }
                };
                o.finish(cx);
                return (format, schema);
            }
        }
    }
    (SchemaFormat::Default, schema::read(cx, n))
}

pub(crate) fn message<'s>(cx: &mut Cx<'s>, n: &At<'s>, origin: Option<Loc>) -> Option<Message> {
    let o = with_traits(
        cx,
        n,
        "a message object",
        MESSAGE,
        "a message trait object",
        MESSAGE_TRAIT,
    )?;
    let (payload_format, payload) = match o.get("payload") {
        Some(p) => {
            let (f, s) = any_schema(cx, &p);
            (f, Some(s))
        }
        None => (SchemaFormat::Default, None),
    };
    let headers = o.get("headers").map(|h| any_schema(cx, &h).1);
    let correlation_id = o.get("correlationId").and_then(|c| {
        read_via_ref(cx, &c, "correlation ID", |cx, t, _| {
            model::correlation_id(cx, t)
        })
    });
    let m = Message {
        name: o.str(cx, "name"),
        title: o.doc_str(cx, "title"),
        summary: o.doc_str(cx, "summary"),
        description: o.doc_str(cx, "description"),
        content_type: o.str(cx, "contentType"),
        payload_format,
        payload,
        headers,
        correlation_id,
        tags: model::tags(cx, &o),
        external_docs: model::external_docs(cx, &o),
        bindings: model::bindings(cx, &o),
        examples: model::message_examples(cx, &o),
        extensions: Default::default(),
        at: n.at.clone(),
        origin,
    };
    Some(Message {
        extensions: o.finish(cx),
        ..m
    })
}

/// The channel key a `$ref` names.
fn channel_key(cx: &mut Cx<'_>, n: &At<'_>, index: &Index, what: &str) -> Option<String> {
    let Some(Value::String(r)) = ref_of(n.v) else {
        cx.error(
            "invalid-type",
            &n.at,
            format!(
                "{what} must be a `$ref` to a channel in `channels`, found {}",
                kind(n.v)
            ),
        );
        return None;
    };
    // `#/channels/<key>` names the key directly, even when that channel is itself a `$ref`.
    if let Some(tokens) = r.strip_prefix('#').and_then(pointer::tokens) {
        if tokens.len() == 2 && tokens[0] == "channels" && index.keys.contains(&tokens[1]) {
            return Some(tokens[1].clone());
        }
    }
    let target = match cx.store.resolve(n.at.file, r) {
        Ok(t) => t,
        Err(e) => {
            cx.unresolved(&n.at.child("$ref"), "channel", e);
            return None;
        }
    };
    match index.channels.get(&target) {
        Some(k) => Some(k.clone()),
        None => {
            cx.error(
                "invalid-ref",
                &n.at.child("$ref"),
                format!("`{r}` must point at a channel in the document's `channels`"),
            );
            None
        }
    }
}

/// The message keys that a list of `$ref`s names, each checked to belong to `channel`.
fn message_keys<'s>(
    cx: &mut Cx<'s>,
    o: &Obj<'s>,
    channel: Option<&str>,
    index: &Index,
    what: &str,
) -> Vec<String> {
    o.list_of(cx, "messages", "message", false, |cx, n, _| {
        let Some(Value::String(r)) = ref_of(n.v) else {
            cx.error(
                "invalid-type",
                &n.at,
                format!("{what} messages must be `$ref`s to messages of its channel"),
            );
            return None;
        };
        let mut pair = None;
        if let Some(tokens) = r.strip_prefix('#').and_then(pointer::tokens) {
            if tokens.len() == 4 && tokens[0] == "channels" && tokens[2] == "messages" {
                let keys = (tokens[1].to_string(), tokens[3].to_string());
                pair = index.pairs.contains(&keys).then_some(keys);
            }
        }
        if pair.is_none() {
            let target = match cx.store.resolve(n.at.file, r) {
                Ok(t) => t,
                Err(e) => {
                    cx.unresolved(&n.at.child("$ref"), "message", e);
                    return None;
                }
            };
            pair = index.messages.get(&target).cloned();
        }
        let Some((c, m)) = pair else {
            cx.error(
                "invalid-ref",
                &n.at.child("$ref"),
                format!("`{r}` must point at a message of a channel in `channels`"),
            );
            return None;
        };
        if let Some(ch) = channel {
            if c != ch {
                cx.error(
                    "message-not-in-channel",
                    &n.at.child("$ref"),
                    format!(
                        "{what} uses message `{m}` of channel `{c}`, but its channel is `{ch}`"
                    ),
                );
                return None;
            }
        }
        Some(m)
    })
}

fn operation<'s>(
    cx: &mut Cx<'s>,
    n: &At<'s>,
    channels: &IndexMap<String, Channel>,
    index: &Index,
) -> Option<Operation> {
    let o = with_traits(
        cx,
        n,
        "an operation object",
        OPERATION,
        "an operation trait object",
        OPERATION_TRAIT,
    )?;
    let action = match o.get("action") {
        None => {
            cx.error(
                "missing-field",
                &o.at,
                "an operation object is missing the required field `action`",
            );
            None
        }
        Some(a) => match a.v.as_str() {
            Some("send") => Some(Action::Send),
            Some("receive") => Some(Action::Receive),
            _ => {
                cx.error(
                    "invalid-value",
                    &a.at,
                    format!("`action` must be `send` or `receive`, found {}", a.v),
                );
                None
            }
        },
    };
    let channel = match o.get("channel") {
        None => {
            cx.error(
                "missing-field",
                &o.at,
                "an operation object is missing the required field `channel`",
            );
            None
        }
        Some(c) => channel_key(cx, &c, index, "`channel`"),
    };
    let messages = message_keys(cx, &o, channel.as_deref(), index, "the operation");
    let reply = o.get("reply").and_then(|r| {
        read_via_ref(cx, &r, "reply", |cx, t, _| {
            reply(cx, t, channel.as_deref(), index)
        })
    });
    let op = Operation {
        action: action.unwrap_or(Action::Send),
        channel: channel.clone().unwrap_or_default(),
        title: o.doc_str(cx, "title"),
        summary: o.doc_str(cx, "summary"),
        description: o.doc_str(cx, "description"),
        security: security(cx, &o),
        tags: model::tags(cx, &o),
        external_docs: model::external_docs(cx, &o),
        bindings: model::bindings(cx, &o),
        messages,
        reply,
        extensions: Default::default(),
        at: n.at.clone(),
    };
    let _ = channels;
    let extensions = o.finish(cx);
    (action.is_some() && channel.is_some()).then_some(Operation { extensions, ..op })
}

fn reply<'s>(
    cx: &mut Cx<'s>,
    n: &At<'s>,
    op_channel: Option<&str>,
    index: &Index,
) -> Option<Reply> {
    let o = Obj::new(cx, n, "an operation reply object", REPLY)?;
    let channel = o
        .get("channel")
        .and_then(|c| channel_key(cx, &c, index, "reply `channel`"));
    let address = o.get("address").and_then(|a| {
        read_via_ref(cx, &a, "reply address", |cx, t, _| {
            let ao = Obj::new(cx, t, "an operation reply address object", REPLY_ADDRESS)?;
            let location = ao.req_str(cx, "location");
            model::check_message_expression(cx, &ao, "reply address", &location);
            let description = ao.doc_str(cx, "description");
            Some(ReplyAddress {
                location,
                description,
                extensions: ao.finish(cx),
            })
        })
    });
    let _ = op_channel;
    let messages = message_keys(cx, &o, channel.as_deref(), index, "the reply");
    Some(Reply {
        address,
        channel,
        messages,
        extensions: o.finish(cx),
        at: n.at.clone(),
    })
}

fn components<'s>(cx: &mut Cx<'s>, n: &At<'s>) -> Option<Components> {
    let o = Obj::new(cx, n, "the components object", COMPONENTS)?;
    let c = Components {
        schemas: o.map_of(cx, "schemas", "schema", false, |cx, name, n, _| {
            check_component_key(cx, name, &n.at);
            Some(any_schema(cx, n).1)
        }),
        messages: o.map_of(cx, "messages", "message", true, |cx, name, n, via| {
            check_component_key(cx, name, &n.at);
            message(cx, n, via)
        }),
        security_schemes: o.map_of(
            cx,
            "securitySchemes",
            "security scheme",
            true,
            |cx, name, n, _| model::security_scheme(cx, Some(name), n),
        ),
        parameters: o.map_of(cx, "parameters", "parameter", true, |cx, _, n, _| {
            parameter(cx, n)
        }),
        correlation_ids: o.map_of(
            cx,
            "correlationIds",
            "correlation ID",
            true,
            |cx, _, n, _| model::correlation_id(cx, n),
        ),
        server_variables: o.map_of(
            cx,
            "serverVariables",
            "server variable",
            true,
            |cx, _, n, _| model::server_variable(cx, n),
        ),
        extensions: Default::default(),
    };
    o.map_of(cx, "servers", "server", true, |cx, _, n, _| server(cx, n));
    for (key, fields, what) in [
        (
            "operationTraits",
            OPERATION_TRAIT,
            "an operation trait object",
        ),
        ("messageTraits", MESSAGE_TRAIT, "a message trait object"),
        ("replies", REPLY, "an operation reply object"),
        (
            "replyAddresses",
            REPLY_ADDRESS,
            "an operation reply address object",
        ),
        ("channels", CHANNEL, "a channel object"),
        ("operations", OPERATION, "an operation object"),
    ] {
        o.map_of(cx, key, "component", true, |cx, _, n, _| {
            Obj::new(cx, n, what, fields)?.finish(cx);
            if let Value::Object(map) = n.v {
                if let Some(h) = map.get("headers") {
                    let at = n.at.child("headers");
                    schema::walk(
                        cx,
                        &At {
                            v: h,
                            at: at.clone(),
                            merged: n.merged,
                        },
                    );
                }
            }
            Some(())
        });
    }
    let extensions = o.finish(cx);
    Some(Components { extensions, ..c })
}
