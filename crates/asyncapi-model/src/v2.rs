//! The AsyncAPI 2.0–2.6 document model and its reader.

use indexmap::IndexMap;
use serde::Serialize;
use serde_json::Value;

use crate::check::template_names;
use crate::context::{At, Cx, read_via_ref};
use crate::fields::v2::{
    CHANNEL, COMPONENTS, MESSAGE, MESSAGE_ONE_OF, MESSAGE_TRAIT, OPERATION, OPERATION_TRAIT,
    PARAMETER, ROOT, SERVER,
};
use crate::model::{
    self, Bindings, CorrelationId, Extensions, ExternalDocs, Info, MessageExample, Schema,
    SecurityScheme, ServerVariable, Tag, check_address_parameters, check_component_key,
};
use crate::object::Obj;
use crate::schema;
use crate::schema_format::SchemaFormat;
use crate::sink::kind;
use crate::store::Loc;
use crate::traits::with_traits;

/// A security requirement: scheme name to the scopes it needs.
pub type SecurityRequirement = IndexMap<String, Vec<String>>;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AsyncApi {
    pub asyncapi: String,
    pub id: Option<String>,
    pub info: Info,
    pub servers: IndexMap<String, Server>,
    pub default_content_type: Option<String>,
    pub channels: IndexMap<String, Channel>,
    pub components: Components,
    pub tags: Vec<Tag>,
    pub external_docs: Option<ExternalDocs>,
    pub extensions: Extensions,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Server {
    pub url: String,
    pub protocol: String,
    pub protocol_version: Option<String>,
    pub description: Option<String>,
    pub variables: IndexMap<String, ServerVariable>,
    pub security: Vec<SecurityRequirement>,
    pub tags: Vec<Tag>,
    pub bindings: Bindings,
    pub extensions: Extensions,
    pub at: Loc,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Channel {
    pub description: Option<String>,
    pub servers: Vec<String>,
    /// The application sends (others subscribe to what it publishes).
    pub subscribe: Option<Operation>,
    /// The application receives (others publish to it).
    pub publish: Option<Operation>,
    pub parameters: IndexMap<String, Parameter>,
    pub bindings: Bindings,
    pub extensions: Extensions,
    pub at: Loc,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Operation {
    pub operation_id: Option<String>,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub security: Vec<SecurityRequirement>,
    pub tags: Vec<Tag>,
    pub external_docs: Option<ExternalDocs>,
    pub bindings: Bindings,
    /// One message, or the `oneOf` list.
    pub messages: Vec<Message>,
    pub extensions: Extensions,
    pub at: Loc,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Message {
    pub message_id: Option<String>,
    pub name: Option<String>,
    pub title: Option<String>,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub content_type: Option<String>,
    pub schema_format: SchemaFormat,
    pub headers: Option<Schema>,
    pub payload: Option<Schema>,
    pub correlation_id: Option<CorrelationId>,
    pub tags: Vec<Tag>,
    pub external_docs: Option<ExternalDocs>,
    pub bindings: Bindings,
    pub examples: Vec<MessageExample>,
    pub extensions: Extensions,
    pub at: Loc,
    /// Where the message is defined when it was written as a `$ref`.
    pub origin: Option<Loc>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Parameter {
    pub description: Option<String>,
    pub schema: Option<Schema>,
    pub location: Option<String>,
    pub extensions: Extensions,
    pub at: Loc,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Components {
    pub schemas: IndexMap<String, Schema>,
    pub servers: IndexMap<String, Server>,
    pub server_variables: IndexMap<String, ServerVariable>,
    pub channels: IndexMap<String, Channel>,
    pub messages: IndexMap<String, Message>,
    pub security_schemes: IndexMap<String, SecurityScheme>,
    pub parameters: IndexMap<String, Parameter>,
    pub correlation_ids: IndexMap<String, CorrelationId>,
    pub extensions: Extensions,
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
    // Components first: servers and channels refer to their security schemes.
    let components = o
        .get("components")
        .and_then(|n| components(cx, &n))
        .unwrap_or_default();
    let servers = o.map_of(cx, "servers", "server", cx.at_least(2, 3), |cx, _, n, _| {
        server(cx, n, &components)
    });
    if !o.map.contains_key("channels") {
        cx.error(
            "missing-field",
            &o.at,
            "the AsyncAPI document is missing the required field `channels`",
        );
    }
    let channels = o.map_of(cx, "channels", "channel", true, |cx, name, n, _| {
        let c = channel(cx, n, &components)?;
        check_channel(cx, name, &c, &servers, n);
        Some(c)
    });
    check_operation_ids(cx, &channels);
    let default_content_type = o.str(cx, "defaultContentType");
    let tags = model::tags(cx, &o);
    let external_docs = model::external_docs(cx, &o);
    let extensions = o.finish(cx);
    Some(AsyncApi {
        asyncapi,
        id,
        info,
        servers,
        default_content_type,
        channels,
        components,
        tags,
        external_docs,
        extensions,
    })
}

fn server<'s>(cx: &mut Cx<'s>, n: &At<'s>, comps: &Components) -> Option<Server> {
    let o = Obj::new(cx, n, "a server object", SERVER)?;
    let variables = o.map_of(cx, "variables", "server variable", true, |cx, _, n, _| {
        model::server_variable(cx, n)
    });
    let s = Server {
        url: o.req_str(cx, "url"),
        protocol: o.req_str(cx, "protocol"),
        protocol_version: o.str(cx, "protocolVersion"),
        description: o.doc_str(cx, "description"),
        security: security(cx, &o, comps),
        tags: model::tags(cx, &o),
        bindings: model::bindings(cx, &o),
        variables,
        extensions: Default::default(),
        at: n.at.clone(),
    };
    for var in template_names(&s.url) {
        if !s.variables.contains_key(&var) {
            cx.error(
                "undefined-variable",
                &o.at.child("url"),
                format!("server url uses `{{{var}}}` but `variables` does not define `{var}`"),
            );
        }
    }
    Some(Server {
        extensions: o.finish(cx),
        ..s
    })
}

fn security<'s>(cx: &mut Cx<'s>, o: &Obj<'s>, comps: &Components) -> Vec<SecurityRequirement> {
    o.list_of(cx, "security", "security requirement", false, |cx, n, _| {
        let Value::Object(map) = n.v else {
            cx.error(
                "invalid-type",
                &n.at,
                format!(
                    "a security requirement must be an object, found {}",
                    kind(n.v)
                ),
            );
            return None;
        };
        let mut req = SecurityRequirement::new();
        for (name, scopes) in map {
            let at = n.at.child(name);
            if !comps.security_schemes.contains_key(name) {
                cx.error(
                    "undefined-security-scheme",
                    &at,
                    format!(
                        "security scheme `{name}` is not defined in `components.securitySchemes`"
                    ),
                );
            }
            let scopes = match scopes {
                Value::Array(items) => items
                    .iter()
                    .filter_map(|s| s.as_str().map(str::to_owned))
                    .collect(),
                other => {
                    cx.error(
                        "invalid-type",
                        &at,
                        format!(
                            "security requirement scopes must be an array, found {}",
                            kind(other)
                        ),
                    );
                    Vec::new()
                }
            };
            req.insert(name.clone(), scopes);
        }
        Some(req)
    })
}

fn channel<'s>(cx: &mut Cx<'s>, n: &At<'s>, comps: &Components) -> Option<Channel> {
    let o = Obj::new(cx, n, "a channel item object", CHANNEL)?;
    let parameters = o.map_of(cx, "parameters", "parameter", true, |cx, name, n, _| {
        if !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            cx.error(
                "invalid-name",
                &n.at,
                format!("parameter name `{name}` may only contain letters, digits, `_` and `-`"),
            );
        }
        parameter(cx, n)
    });
    let c = Channel {
        description: o.doc_str(cx, "description"),
        servers: o.strs(cx, "servers"),
        subscribe: o.get("subscribe").and_then(|n| operation(cx, &n, comps)),
        publish: o.get("publish").and_then(|n| operation(cx, &n, comps)),
        bindings: model::bindings(cx, &o),
        parameters,
        extensions: Default::default(),
        at: n.at.clone(),
    };
    Some(Channel {
        extensions: o.finish(cx),
        ..c
    })
}

fn check_channel(
    cx: &mut Cx<'_>,
    address: &str,
    c: &Channel,
    servers: &IndexMap<String, Server>,
    n: &At<'_>,
) {
    // Point at the bad entry: index the written list (`c.servers` drops non-strings).
    let written = n.v.get("servers").and_then(Value::as_array);
    for (i, item) in written.into_iter().flatten().enumerate() {
        let Some(s) = item.as_str() else { continue };
        if !servers.contains_key(s) {
            cx.error(
                "undefined-server",
                &n.at.child("servers").child(&i.to_string()),
                format!("channel `{address}` names server `{s}`, which `servers` does not define"),
            );
        }
    }
    check_address_parameters(cx, address, c.parameters.keys(), &n.at);
}

/// Every `operationId` must be unique among the operations of `channels`.
fn check_operation_ids(cx: &mut Cx<'_>, channels: &IndexMap<String, Channel>) {
    let mut first_at: IndexMap<&str, &Loc> = IndexMap::new();
    let ops = channels
        .values()
        .flat_map(|c| [&c.publish, &c.subscribe])
        .flatten();
    for op in ops {
        let Some(id) = &op.operation_id else { continue };
        match first_at.get(id.as_str()) {
            Some(first) => {
                let first = cx.show_loc(first, op.at.file);
                let first = first.strip_prefix('#').unwrap_or(&first);
                cx.error(
                    "duplicate-operation-id",
                    &op.at.child("operationId"),
                    format!(
                        "operationId `{id}` is also used by the operation at {first}; it must be unique"
                    ),
                );
            }
            None => {
                first_at.insert(id, &op.at);
            }
        }
    }
}

fn parameter<'s>(cx: &mut Cx<'s>, n: &At<'s>) -> Option<Parameter> {
    let o = Obj::new(cx, n, "a parameter object", PARAMETER)?;
    let schema = o.get("schema").map(|s| schema::read(cx, &s));
    let p = Parameter {
        description: o.doc_str(cx, "description"),
        location: o.str(cx, "location"),
        schema,
        extensions: Default::default(),
        at: n.at.clone(),
    };
    Some(Parameter {
        extensions: o.finish(cx),
        ..p
    })
}

fn operation<'s>(cx: &mut Cx<'s>, n: &At<'s>, comps: &Components) -> Option<Operation> {
    let o = with_traits(
        cx,
        n,
        "an operation object",
        OPERATION,
        "an operation trait object",
        OPERATION_TRAIT,
    )?;
    let messages = match o.get("message") {
        None => Vec::new(),
        Some(m) => {
            let one_of = match m.v {
                Value::Object(map) if map.contains_key("oneOf") && !map.contains_key("$ref") => {
                    let list = Obj::new(cx, &m, "a message `oneOf` list", MESSAGE_ONE_OF);
                    let msgs = list.map(|l| {
                        let msgs = l.list_of(cx, "oneOf", "message", true, |cx, t, via| {
                            message(cx, t, via)
                        });
                        l.finish(cx);
                        msgs
                    });
                    Some(msgs.unwrap_or_default())
                }
                _ => None,
            };
            match one_of {
                Some(list) => list,
                None => read_via_ref(cx, &m, "message", |cx, t, via| message(cx, t, via))
                    .into_iter()
                    .collect(),
            }
        }
    };
    let op = Operation {
        operation_id: o.str(cx, "operationId"),
        summary: o.doc_str(cx, "summary"),
        description: o.doc_str(cx, "description"),
        security: security(cx, &o, comps),
        tags: model::tags(cx, &o),
        external_docs: model::external_docs(cx, &o),
        bindings: model::bindings(cx, &o),
        messages,
        extensions: Default::default(),
        at: n.at.clone(),
    };
    Some(Operation {
        extensions: o.finish(cx),
        ..op
    })
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
    let schema_format = o
        .str(cx, "schemaFormat")
        .map(|f| SchemaFormat::parse(&f))
        .unwrap_or(SchemaFormat::Default);
    let payload = o
        .get("payload")
        .map(|p| schema::payload(cx, &p, &schema_format));
    let headers = o.get("headers").map(|h| schema::read(cx, &h));
    let correlation_id = o.get("correlationId").and_then(|c| {
        read_via_ref(cx, &c, "correlation ID", |cx, t, _| {
            model::correlation_id(cx, t)
        })
    });
    let m = Message {
        message_id: if cx.at_least(2, 4) {
            o.str(cx, "messageId")
        } else {
            None
        },
        name: o.str(cx, "name"),
        title: o.doc_str(cx, "title"),
        summary: o.doc_str(cx, "summary"),
        description: o.doc_str(cx, "description"),
        content_type: o.str(cx, "contentType"),
        schema_format,
        headers,
        payload,
        correlation_id,
        tags: model::tags(cx, &o),
        external_docs: model::external_docs(cx, &o),
        bindings: model::bindings(cx, &o),
        examples: model::message_examples(cx, &o),
        extensions: Default::default(),
        at: n.at.clone(),
        origin,
    };
    if !cx.at_least(2, 4) && o.map.contains_key("messageId") {
        cx.warn(
            "version-field",
            &o.at.child("messageId"),
            format!(
                "`messageId` was added in AsyncAPI 2.4; this document is {}.{}",
                cx.version.0, cx.version.1
            ),
            None,
        );
    }
    Some(Message {
        extensions: o.finish(cx),
        ..m
    })
}

fn components<'s>(cx: &mut Cx<'s>, n: &At<'s>) -> Option<Components> {
    let o = Obj::new(cx, n, "the components object", COMPONENTS)?;
    let mut c = Components {
        schemas: o.map_of(cx, "schemas", "schema", false, |cx, name, n, _| {
            check_component_key(cx, name, &n.at);
            Some(schema::read(cx, n))
        }),
        security_schemes: o.map_of(
            cx,
            "securitySchemes",
            "security scheme",
            true,
            |cx, name, n, _| model::security_scheme(cx, Some(name), n),
        ),
        server_variables: o.map_of(
            cx,
            "serverVariables",
            "server variable",
            true,
            |cx, _, n, _| model::server_variable(cx, n),
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
        ..Components::default()
    };
    c.messages = o.map_of(cx, "messages", "message", true, |cx, name, n, via| {
        check_component_key(cx, name, &n.at);
        message(cx, n, via)
    });
    let servers = o.map_of(cx, "servers", "server", true, |cx, _, n, _| {
        server(cx, n, &c)
    });
    let channels = o.map_of(cx, "channels", "channel", true, |cx, _, n, _| {
        channel(cx, n, &c)
    });
    for (key, fields, what) in [
        (
            "operationTraits",
            OPERATION_TRAIT,
            "an operation trait object",
        ),
        ("messageTraits", MESSAGE_TRAIT, "a message trait object"),
    ] {
        o.map_of(cx, key, "trait", true, |cx, _, n, _| {
            Obj::new(cx, n, what, fields)?.finish(cx);
            // Trait headers are schemas: check their refs even when no message uses the trait.
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
    c.servers = servers;
    c.channels = channels;
    c.extensions = o.finish(cx);
    Some(c)
}
