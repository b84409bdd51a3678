//! Objects that AsyncAPI 2.x and 3.x share, and their readers.

use indexmap::IndexMap;
use serde::Serialize;
use serde_json::Value;

use crate::check;
use crate::context::{At, Cx, Problem, read_via_ref};
use crate::diag::Severity;
use crate::fields;
use crate::object::Obj;
use crate::repair::IGNORED;
use crate::sink::kind;
use crate::store::Loc;

pub use crate::schema::Schema;

/// `x-` fields of an object, in document order.
pub type Extensions = IndexMap<String, Value>;

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Info {
    pub title: String,
    pub version: String,
    pub description: Option<String>,
    pub terms_of_service: Option<String>,
    pub contact: Option<Contact>,
    pub license: Option<License>,
    pub tags: Vec<Tag>,
    pub external_docs: Option<ExternalDocs>,
    pub extensions: Extensions,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Contact {
    pub name: Option<String>,
    pub url: Option<String>,
    pub email: Option<String>,
    pub extensions: Extensions,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct License {
    pub name: String,
    pub url: Option<String>,
    pub extensions: Extensions,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Tag {
    pub name: String,
    pub description: Option<String>,
    pub external_docs: Option<ExternalDocs>,
    pub extensions: Extensions,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ExternalDocs {
    pub url: String,
    pub description: Option<String>,
    pub extensions: Extensions,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ServerVariable {
    pub enum_values: Vec<String>,
    pub default: Option<String>,
    pub description: Option<String>,
    pub examples: Vec<String>,
    pub extensions: Extensions,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CorrelationId {
    /// A runtime expression such as `$message.header#/correlationId`.
    pub location: String,
    pub description: Option<String>,
    pub extensions: Extensions,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SecurityScheme {
    /// The key under `components.securitySchemes`, when it came from there.
    pub name: Option<String>,
    pub kind: String,
    pub description: Option<String>,
    /// For `httpApiKey` and `apiKey`: the header, query or cookie name.
    pub param_name: Option<String>,
    /// `in`: where the key goes (`user`, `password`, `header`, `query`, `cookie`).
    pub location: Option<String>,
    pub scheme: Option<String>,
    pub bearer_format: Option<String>,
    pub flows: Option<Value>,
    pub open_id_connect_url: Option<String>,
    /// 3.x `scopes`, or the scopes a 2.x security requirement asks for.
    pub scopes: Vec<String>,
    pub extensions: Extensions,
}

/// An example of a message.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MessageExample {
    pub name: Option<String>,
    pub summary: Option<String>,
    pub headers: Option<Value>,
    pub payload: Option<Value>,
    pub at: Option<Loc>,
    pub extensions: Extensions,
}

/// Protocol bindings, kept as JSON by protocol name.
pub type Bindings = IndexMap<String, Value>;

pub(crate) fn info<'s>(cx: &mut Cx<'s>, n: &At<'s>) -> Option<Info> {
    let valid = if cx.at_least(3, 0) {
        fields::v3::INFO
    } else {
        fields::v2::INFO
    };
    let o = Obj::new(cx, n, "the info object", valid)?;
    let mut info = Info {
        title: o.req_str(cx, "title"),
        version: o.req_str(cx, "version"),
        description: o.doc_str(cx, "description"),
        terms_of_service: o.doc_str(cx, "termsOfService"),
        ..Info::default()
    };
    info.contact = o.get("contact").and_then(|n| {
        let c = Obj::documentation(cx, &n, "the contact object", fields::CONTACT)?;
        Some(Contact {
            name: c.doc_str(cx, "name"),
            url: c.doc_str(cx, "url"),
            email: c.doc_str(cx, "email"),
            extensions: c.finish(cx),
        })
    });
    info.license = o.get("license").and_then(|n| {
        let l = Obj::documentation(cx, &n, "the license object", fields::LICENSE)?;
        let name = l.req_doc_str(cx, "name", "the license is ignored");
        let url = l.doc_str(cx, "url");
        let extensions = l.finish(cx);
        Some(License {
            name: name?,
            url,
            extensions,
        })
    });
    if cx.at_least(3, 0) {
        info.tags = tags(cx, &o);
        info.external_docs = external_docs(cx, &o);
    }
    info.extensions = o.finish(cx);
    Some(info)
}

/// `tags` of an object; 3.x tags may be `$ref`s.
pub(crate) fn tags<'s>(cx: &mut Cx<'s>, o: &Obj<'s>) -> Vec<Tag> {
    let refs = cx.at_least(3, 0);
    o.doc_list_of(cx, "tags", "tag", refs, |cx, n, _| {
        let t = Obj::documentation(cx, n, "a tag object", fields::TAG)?;
        let name = t.req_doc_str(cx, "name", "the tag is ignored");
        let description = t.doc_str(cx, "description");
        let external_docs = external_docs(cx, &t);
        let extensions = t.finish(cx);
        Some(Tag {
            name: name?,
            description,
            external_docs,
            extensions,
        })
    })
}

pub(crate) fn external_docs<'s>(cx: &mut Cx<'s>, o: &Obj<'s>) -> Option<ExternalDocs> {
    let n = o.get("externalDocs")?;
    let n = if cx.at_least(3, 0) {
        cx.deref(&n, "external documentation")?.0
    } else {
        n
    };
    let d = Obj::documentation(
        cx,
        &n,
        "the external documentation object",
        fields::EXTERNAL_DOCS,
    )?;
    let url = d.req_doc_str(cx, "url", "the external documentation is ignored");
    let description = d.doc_str(cx, "description");
    let extensions = d.finish(cx);
    Some(ExternalDocs {
        url: url?,
        description,
        extensions,
    })
}

pub(crate) fn server_variable<'s>(cx: &mut Cx<'s>, n: &At<'s>) -> Option<ServerVariable> {
    let o = Obj::new(cx, n, "a server variable object", fields::SERVER_VARIABLE)?;
    let v = ServerVariable {
        enum_values: o.strs(cx, "enum"),
        default: o.str(cx, "default"),
        description: o.doc_str(cx, "description"),
        examples: o.doc_strs(cx, "examples"),
        extensions: Default::default(),
    };
    Some(ServerVariable {
        extensions: o.finish(cx),
        ..v
    })
}

/// Reports a `location` that is not a runtime expression into the message ([`check::message_expression`]).
pub(crate) fn check_message_expression(cx: &mut Cx<'_>, o: &Obj<'_>, what: &str, location: &str) {
    if let Err(message) = check::message_expression(what, location) {
        cx.error("invalid-expression", &o.field_at("location"), message);
    }
}

/// Reports a component key that breaks [`check::component_key`].
pub(crate) fn check_component_key(cx: &mut Cx<'_>, name: &str, at: &Loc) {
    if let Err(message) = check::component_key(name) {
        cx.error("invalid-name", at, message);
    }
}

/// Warns when a channel address (the channel at `at`) and its parameters disagree.
pub(crate) fn check_address_parameters<'a>(
    cx: &mut Cx<'_>,
    address: &str,
    params: impl IntoIterator<Item = &'a String>,
    at: &Loc,
) {
    let mismatch = check::address_parameters(address, params.into_iter().map(String::as_str));
    for u in &mismatch.undefined {
        cx.warn(
            "undefined-parameter",
            at,
            format!("channel address `{address}` uses `{{{u}}}` but `parameters` does not define `{u}`; it is taken as a string"),
            None,
        );
    }
    for d in mismatch.unused {
        cx.warn(
            "unused-parameter",
            &at.child("parameters").child(d),
            format!("parameter `{d}` does not appear in channel address `{address}`"),
            None,
        );
    }
}

pub(crate) fn correlation_id<'s>(cx: &mut Cx<'s>, n: &At<'s>) -> Option<CorrelationId> {
    let o = Obj::new(cx, n, "a correlation ID object", fields::CORRELATION_ID)?;
    let location = o.req_str(cx, "location");
    check_message_expression(cx, &o, "correlation ID", &location);
    let description = o.doc_str(cx, "description");
    Some(CorrelationId {
        location,
        description,
        extensions: o.finish(cx),
    })
}

const SECURITY_TYPES: &[&str] = &[
    "userPassword",
    "apiKey",
    "X509",
    "symmetricEncryption",
    "asymmetricEncryption",
    "httpApiKey",
    "http",
    "oauth2",
    "openIdConnect",
    "plain",
    "scramSha256",
    "scramSha512",
    "gssapi",
];

pub(crate) fn security_scheme<'s>(
    cx: &mut Cx<'s>,
    name: Option<&str>,
    n: &At<'s>,
) -> Option<SecurityScheme> {
    let valid = if cx.at_least(3, 0) {
        fields::v3::SECURITY_SCHEME
    } else {
        fields::v2::SECURITY_SCHEME
    };
    let o = Obj::new(cx, n, "a security scheme object", valid)?;
    let kind = o.req_str(cx, "type");
    if !kind.is_empty() && !SECURITY_TYPES.contains(&kind.as_str()) {
        let help = check::closest(&kind, SECURITY_TYPES).map(|c| format!("did you mean `{c}`?"));
        cx.push(
            Severity::Error,
            "invalid-value",
            &o.at.child("type"),
            format!(
                "unknown security scheme type `{kind}` (expected one of {})",
                SECURITY_TYPES.join(", ")
            ),
            help,
        );
    }
    let flows = o.get("flows").map(|f| f.v.clone());
    Some(SecurityScheme {
        name: name.map(str::to_owned),
        description: o.doc_str(cx, "description"),
        param_name: o.str(cx, "name"),
        location: o.str(cx, "in"),
        scheme: o.str(cx, "scheme"),
        bearer_format: o.str(cx, "bearerFormat"),
        flows,
        open_id_connect_url: o.str(cx, "openIdConnectUrl"),
        scopes: if cx.at_least(3, 0) {
            o.strs(cx, "scopes")
        } else {
            Vec::new()
        },
        extensions: o.finish(cx),
        kind,
    })
}

/// A bindings object: each protocol's binding kept as JSON (3.x allows `$ref` for the whole
/// object and for each binding).
pub(crate) fn bindings<'s>(cx: &mut Cx<'s>, o: &Obj<'s>) -> Bindings {
    let Some(n) = o.get("bindings") else {
        return Bindings::new();
    };
    read_via_ref(cx, &n, "bindings", |cx, n, _| {
        let serde_json::Value::Object(map) = n.v else {
            cx.error(
                "invalid-type",
                &n.at,
                format!("`bindings` must be an object, found {}", kind(n.v)),
            );
            return None;
        };
        let mut out = Bindings::new();
        for (proto, b) in map {
            let at = n.at.child(proto);
            let node = &At {
                v: b,
                at: at.clone(),
                merged: n.merged,
            };
            if let Some(b) = read_via_ref(cx, node, "binding", |_, t, _| Some(t.v.clone())) {
                out.insert(proto.clone(), b);
            }
        }
        Some(out)
    })
    .unwrap_or_default()
}

/// Message `examples`: 2.0/2.1 allow free-form objects (taken as payloads when they have no
/// `payload`/`headers` fields); later versions use `{headers, payload, name, summary}`.
/// Examples only document, so a lenient load ignores the ones it cannot use.
pub(crate) fn message_examples<'s>(cx: &mut Cx<'s>, o: &Obj<'s>) -> Vec<MessageExample> {
    const EXAMPLE_IGNORED: &str = "the example is ignored";
    let Some(n) = o.get("examples") else {
        return Vec::new();
    };
    let serde_json::Value::Array(items) = n.v else {
        let message = format!("`examples` must be an array, found {}", kind(n.v));
        cx.report(&n.at, Problem::new("invalid-type", message), Some(IGNORED));
        return Vec::new();
    };
    let structured = cx.at_least(2, 2);
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let at = n.at.child(&i.to_string());
        let node = At {
            v: item,
            at: at.clone(),
            merged: n.merged,
        };
        let serde_json::Value::Object(map) = item else {
            let message = format!("a message example must be an object, found {}", kind(item));
            cx.report(&at, Problem::new("invalid-type", message), Some(IGNORED));
            continue;
        };
        if !structured && !map.contains_key("payload") && !map.contains_key("headers") {
            out.push(MessageExample {
                payload: Some(item.clone()),
                at: Some(at),
                ..Default::default()
            });
            continue;
        }
        let Some(e) = Obj::new(
            cx,
            &node,
            "a message example object",
            fields::MESSAGE_EXAMPLE,
        ) else {
            continue;
        };
        let e = e.forbid_extensions();
        let mut ignored = false;
        if !map.contains_key("payload") && !map.contains_key("headers") {
            let problem = Problem::new(
                "missing-field",
                "a message example needs `payload` or `headers`",
            );
            ignored |= cx.report(&at, problem, Some(EXAMPLE_IGNORED));
        }
        let headers = e.get("headers").map(|h| h.v.clone());
        if let Some(h) = headers.as_ref().filter(|h| !h.is_object()) {
            let message = format!("example `headers` must be an object, found {}", kind(h));
            let problem = Problem::new("invalid-type", message);
            ignored |= cx.report(&at.child("headers"), problem, Some(EXAMPLE_IGNORED));
        }
        let example = MessageExample {
            name: e.doc_str(cx, "name"),
            summary: e.doc_str(cx, "summary"),
            headers,
            payload: e.get("payload").map(|p| p.v.clone()),
            at: Some(at),
            extensions: e.finish(cx),
        };
        if !ignored {
            out.push(example);
        }
    }
    out
}
