//! The generator's IR: the document's channels, operations and messages from the point of
//! view of the code being generated, each with the Rust names it is emitted under and the
//! types of its schemas. The same for AsyncAPI 2.x and 3.x (the model's view already is).
//! Made by lowering; read by the emitters.

use serde_json::Value;

use crate::notes::Note;
use crate::typespace::Ty;

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
    /// Where the channel is in the document (`file#/pointer`).
    pub origin: String,
    pub address: Option<String>,
    /// `CHANNEL_...` constant name.
    pub const_name: String,
    /// Parameters struct name and fields, when the address has parameters.
    pub params: Option<ParamsIr>,
    pub description: Option<String>,
    /// Names of the servers the channel is on (`channel.servers`); empty: all of them.
    pub servers: Vec<String>,
    pub bindings: Vec<BindingIr>,
}

/// One protocol's binding object, as JSON text (`$ref`s and traits applied).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindingIr {
    pub protocol: String,
    pub json: String,
}

/// One of the document's servers.
#[derive(Debug, Clone)]
pub struct ServerIr {
    pub key: String,
    /// Where the server is in the document (`file#/pointer`).
    pub origin: String,
    /// The URL template, as the README shows it (`mqtt://broker:{port}`).
    pub url: String,
    pub protocol: String,
    pub protocol_version: Option<String>,
    /// Host and port, possibly with `{variables}`: 3.x `host`, or a 2.x `url` without
    /// its scheme, path and query.
    pub host: String,
    /// 3.x `pathname`, or the path of a 2.x `url` (when not empty).
    pub pathname: Option<String>,
    pub description: Option<String>,
    /// The server's variables (name, then `default` and `enum`), as the document has them.
    pub variables: indexmap::IndexMap<String, asyncapi_model::model::ServerVariable>,
    /// The security schemes, resolved.
    pub security: Vec<asyncapi_model::model::SecurityScheme>,
    pub bindings: Vec<BindingIr>,
    /// The cargo feature of the generated crate whose adapter connects to this server,
    /// when an adapter knows the protocol.
    pub feature: Option<&'static str>,
    /// The `connect` function of the server, when it has a feature.
    pub connect_fn: Option<String>,
}

#[derive(Debug, Clone)]
pub struct SecurityIr {
    pub name: Option<String>,
    pub kind: String,
    pub scheme: Option<String>,
    pub param_name: Option<String>,
    pub location: Option<String>,
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
    /// The JSON type the parameter's text is read as (`string`, `integer`, ...).
    pub kind: &'static str,
    pub description: Option<String>,
}

#[derive(Debug, Clone)]
pub struct MessageIr {
    pub key: String,
    /// Where the message is in the document (`file#/pointer`).
    pub origin: String,
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
    pub bindings: Vec<BindingIr>,
}

#[derive(Debug, Clone)]
pub struct OperationIr {
    pub key: String,
    /// Where the operation is in the document (`file#/pointer`; for the handler of a reply,
    /// the operation that sends the request).
    pub origin: String,
    pub method: String,
    pub role: Role,
    pub channel: usize,
    pub messages: Vec<usize>,
    /// The enum of the operation's messages, when it has several.
    pub enum_name: Option<String>,
    pub reply: Option<ReplyIr>,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub bindings: Vec<BindingIr>,
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
    pub servers: Vec<ServerIr>,
    pub channels: Vec<ChannelIr>,
    pub messages: Vec<MessageIr>,
    pub operations: Vec<OperationIr>,
    /// What lowering noticed (messages that can never reach a handler, say).
    pub notes: Vec<Note>,
}
