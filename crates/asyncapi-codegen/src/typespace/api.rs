//! Which schemas of a document get types, in which order: component schemas first (so
//! they keep their names), then each channel's parameters, then each message's payload and
//! headers. The result is every type ([`Types`]) and, per channel and message of the
//! document's view, the types and facts lowering needs ([`ApiTypes`]).

use asyncapi_model::{Document, Loc, SchemaFormat, pointer};
use serde_json::Value;

use super::avro;
use super::resolve::{SchemaRef, name_of_location};
use super::{Ty, TypeSettings, TypeSpace, Types};
use crate::names::pascal;
use crate::notes::Note;

/// The types of the schemas of a document's channels and messages, by their index in
/// `doc.api`.
#[derive(Debug, Default)]
pub struct ApiTypes {
    pub channels: Vec<ChannelTypes>,
    pub messages: Vec<MessageTypes>,
}

#[derive(Debug, Default)]
pub struct ChannelTypes {
    /// One per parameter of the address template, in template order.
    pub params: Vec<ParamType>,
}

#[derive(Debug)]
pub struct ParamType {
    /// The parameter's name in the address template.
    pub wire: String,
    pub ty: Ty,
    /// The JSON type its text is read as (`string`, `integer`, `number`, `boolean`).
    pub kind: &'static str,
    pub description: Option<String>,
}

#[derive(Debug, Default)]
pub struct MessageTypes {
    /// The payload is JSON (else raw bytes).
    pub json: bool,
    /// The payload's type, when it is JSON and has a schema.
    pub payload: Option<Ty>,
    /// For an Avro payload (raw bytes on the wire): the Rust type of its schema.
    pub avro: Option<Ty>,
    pub headers: Option<Ty>,
    /// Each declared header with the JSON type its text is read as.
    pub header_kinds: Vec<(String, &'static str)>,
    /// Headers whose schema is a `const` string: `(name, value)`.
    pub header_consts: Vec<(String, String)>,
    /// Payload properties that are `const`: one list per `oneOf` branch, each of
    /// `(JSON pointer, value)`.
    pub payload_consts: Vec<Vec<(String, Value)>>,
}

/// The name of a message's types: its `name` in 2.x (where keys are often generated), else
/// its key.
pub fn message_base_name(doc: &Document, index: usize) -> String {
    let m = &doc.api.messages[index];
    pascal(
        m.name
            .as_deref()
            .filter(|_| doc.api.version.starts_with('2'))
            .unwrap_or(&m.key),
        "Message",
    )
}

/// Types every schema of the document. `reserved` are names generated code defines itself;
/// Avro schemas translated to JSON Schema are kept in `arena` for as long as the types.
pub fn type_api<'d>(
    doc: &'d Document,
    settings: &TypeSettings,
    reserved: &[&str],
    arena: &'d typed_arena::Arena<Value>,
) -> (Types, ApiTypes) {
    let mut space = TypeSpace::new(doc, settings.clone(), reserved);
    type_components(&mut space, doc);
    let channels = doc
        .api
        .channels
        .iter()
        .map(|c| type_channel(&mut space, c))
        .collect();
    let messages = (0..doc.api.messages.len())
        .map(|i| type_message(&mut space, doc, i, arena))
        .collect();
    (space.finish(), ApiTypes { channels, messages })
}

/// The name a component schema gets: that of a `$ref` to it (the last segment of a dotted
/// Java-style key).
fn component_name(key: &str) -> String {
    name_of_location(
        std::path::Path::new(""),
        &pointer::push("/components/schemas", key),
    )
    .unwrap_or_else(|| key.to_owned())
}

fn type_components<'d>(space: &mut TypeSpace<'d>, doc: &'d Document) {
    let api = &doc.api;
    let components: Vec<(String, Loc)> = api
        .schemas
        .iter()
        .filter(|(_, schema)| schema.merged.is_none())
        .map(|(key, schema)| (component_name(key), schema.target.clone()))
        .collect();
    space.reserve_component_names(&components);
    for (key, schema) in &api.schemas {
        if schema.merged.is_some() {
            continue;
        }
        if let Some(s) = space.schema(schema) {
            let target = SchemaRef {
                v: s.v,
                loc: schema.target.clone(),
                stored: true,
            };
            space.component(target, &component_name(key));
        }
    }
}

fn type_channel<'d>(
    space: &mut TypeSpace<'d>,
    c: &'d asyncapi_model::view::Channel,
) -> ChannelTypes {
    let template_params = c
        .address
        .as_deref()
        .map(asyncapi_model::view::template_names)
        .unwrap_or_default();
    let struct_name = format!("{}Params", pascal(&c.key, "Channel"));
    let params = template_params
        .into_iter()
        .map(|wire| {
            let p = c.parameters.iter().find(|p| p.name == wire);
            let hint = format!("{struct_name}{}", pascal(&wire, "Param"));
            let mut kind = "string";
            let ty = match p {
                Some(p) => match p.schema.as_ref().and_then(|s| space.schema(s)) {
                    Some(s) => {
                        kind = match s.v.get("type").and_then(Value::as_str) {
                            Some("integer") => "integer",
                            Some("number") => "number",
                            Some("boolean") => "boolean",
                            _ => "string",
                        };
                        space.ty(s, &hint)
                    }
                    // 3.x parameter enums: strict, since an unknown value is an address
                    // this API does not have.
                    None if !p.enum_values.is_empty() => {
                        space.string_enum(&hint, &p.enum_values, &p.at)
                    }
                    None => Ty::String,
                },
                None => Ty::String,
            };
            ParamType {
                wire,
                ty,
                kind,
                description: p.and_then(|p| p.description.clone()),
            }
        })
        .collect();
    ChannelTypes { params }
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

fn type_message<'d>(
    space: &mut TypeSpace<'d>,
    doc: &'d Document,
    index: usize,
    arena: &'d typed_arena::Arena<Value>,
) -> MessageTypes {
    let m = &doc.api.messages[index];
    let base = message_base_name(doc, index);
    // Avro payloads are typed (first, so that their record names win over the message's)
    // through their JSON Schema equivalent; on the wire they stay bytes (binary Avro),
    // which the handler decodes into that type.
    let mut avro = None;
    match &m.payload_format {
        SchemaFormat::Avro(_) => {
            match m.payload.as_ref().and_then(|p| doc.store.get(&p.target)) {
                Some(schema) => {
                    let json = arena.alloc(avro::to_json_schema(schema));
                    let at = m.payload.as_ref().map_or(&m.at, |p| &p.target);
                    let s = space.add_virtual(json, format!("{} (Avro)", space.describe(at)));
                    avro = Some(space.ty(s, &format!("{base}Payload")));
                }
                None => space.notes.push(Note {
                    at: space.describe(&m.at),
                    message: format!("message `{}` has no Avro schema to type", m.key),
                }),
            }
        }
        SchemaFormat::Other(f) => space.notes.push(Note {
            at: space.describe(&m.at),
            message: format!(
                "message `{}` has a payload in a schema format the generator does not type ({f}); it is passed as raw bytes",
                m.key
            ),
        }),
        _ => {}
    }
    let json = m.payload_format.is_json_schema() && is_json(m.content_type.as_deref());
    let payload = m
        .payload
        .as_ref()
        .filter(|_| json)
        .and_then(|p| space.schema(p))
        .map(|s| space.ty(s, &format!("{base}Payload")));
    let mut types = MessageTypes {
        json,
        payload,
        avro,
        ..MessageTypes::default()
    };
    if let Some(s) = m.headers.as_ref().and_then(|h| space.schema(h)) {
        types.headers = Some(space.ty(s.clone(), &format!("{base}Headers")));
        types.header_kinds = space.property_kinds(s.clone());
        types.header_consts = space
            .const_alternatives(s, false)
            .into_iter()
            .next()
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(p, v)| Some((pointer::last_token(&p), v.as_str()?.to_owned())))
            .collect();
    }
    if json {
        if let Some(s) = m.payload.as_ref().and_then(|p| space.schema(p)) {
            types.payload_consts = space.const_alternatives(s, true);
        }
    }
    types
}
