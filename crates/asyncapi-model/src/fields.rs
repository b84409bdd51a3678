//! The fields each AsyncAPI object may have, by version: the lists the object reader checks
//! every field against (unknown ones are warnings with the closest valid name). Data only, like
//! serde_derive's `symbol.rs`; the readers say how each field is read.

// Objects whose fields are the same in every version.
pub(crate) const CONTACT: &[&str] = &["name", "url", "email"];
pub(crate) const LICENSE: &[&str] = &["name", "url"];
pub(crate) const TAG: &[&str] = &["name", "description", "externalDocs"];
pub(crate) const EXTERNAL_DOCS: &[&str] = &["url", "description"];
pub(crate) const SERVER_VARIABLE: &[&str] = &["enum", "default", "description", "examples"];
pub(crate) const CORRELATION_ID: &[&str] = &["location", "description"];
pub(crate) const MESSAGE_EXAMPLE: &[&str] = &["headers", "payload", "name", "summary"];

/// AsyncAPI 2.0–2.6.
pub(crate) mod v2 {
    pub(crate) const INFO: &[&str] = &[
        "title",
        "version",
        "description",
        "termsOfService",
        "contact",
        "license",
    ];
    pub(crate) const SECURITY_SCHEME: &[&str] = &[
        "type",
        "description",
        "name",
        "in",
        "scheme",
        "bearerFormat",
        "flows",
        "openIdConnectUrl",
    ];
    pub(crate) const ROOT: &[&str] = &[
        "asyncapi",
        "id",
        "info",
        "servers",
        "defaultContentType",
        "channels",
        "components",
        "tags",
        "externalDocs",
    ];
    pub(crate) const SERVER: &[&str] = &[
        "url",
        "protocol",
        "protocolVersion",
        "description",
        "variables",
        "security",
        "bindings",
        "tags",
    ];
    pub(crate) const CHANNEL: &[&str] = &[
        "$ref",
        "description",
        "servers",
        "subscribe",
        "publish",
        "parameters",
        "bindings",
    ];
    pub(crate) const OPERATION: &[&str] = &[
        "operationId",
        "summary",
        "description",
        "security",
        "tags",
        "externalDocs",
        "bindings",
        "traits",
        "message",
    ];
    pub(crate) const OPERATION_TRAIT: &[&str] = &[
        "operationId",
        "summary",
        "description",
        "security",
        "tags",
        "externalDocs",
        "bindings",
    ];
    pub(crate) const MESSAGE: &[&str] = &[
        "messageId",
        "headers",
        "payload",
        "correlationId",
        "schemaFormat",
        "contentType",
        "name",
        "title",
        "summary",
        "description",
        "tags",
        "externalDocs",
        "bindings",
        "examples",
        "traits",
    ];
    pub(crate) const MESSAGE_TRAIT: &[&str] = &[
        "messageId",
        "headers",
        "correlationId",
        "schemaFormat",
        "contentType",
        "name",
        "title",
        "summary",
        "description",
        "tags",
        "externalDocs",
        "bindings",
        "examples",
    ];
    pub(crate) const PARAMETER: &[&str] = &["description", "schema", "location"];
    pub(crate) const COMPONENTS: &[&str] = &[
        "schemas",
        "servers",
        "serverVariables",
        "channels",
        "messages",
        "securitySchemes",
        "parameters",
        "correlationIds",
        "operationTraits",
        "messageTraits",
        "serverBindings",
        "channelBindings",
        "operationBindings",
        "messageBindings",
    ];
    /// A `message` that is a list of alternatives.
    pub(crate) const MESSAGE_ONE_OF: &[&str] = &["oneOf"];
}

/// AsyncAPI 3.0–3.1.
pub(crate) mod v3 {
    pub(crate) const INFO: &[&str] = &[
        "title",
        "version",
        "description",
        "termsOfService",
        "contact",
        "license",
        "tags",
        "externalDocs",
    ];
    pub(crate) const SECURITY_SCHEME: &[&str] = &[
        "type",
        "description",
        "name",
        "in",
        "scheme",
        "bearerFormat",
        "flows",
        "openIdConnectUrl",
        "scopes",
    ];
    pub(crate) const ROOT: &[&str] = &[
        "asyncapi",
        "id",
        "info",
        "servers",
        "defaultContentType",
        "channels",
        "operations",
        "components",
    ];
    pub(crate) const SERVER: &[&str] = &[
        "host",
        "protocol",
        "protocolVersion",
        "pathname",
        "description",
        "title",
        "summary",
        "variables",
        "security",
        "tags",
        "externalDocs",
        "bindings",
    ];
    pub(crate) const CHANNEL: &[&str] = &[
        "address",
        "messages",
        "title",
        "summary",
        "description",
        "servers",
        "parameters",
        "tags",
        "externalDocs",
        "bindings",
    ];
    pub(crate) const OPERATION: &[&str] = &[
        "action",
        "channel",
        "title",
        "summary",
        "description",
        "security",
        "tags",
        "externalDocs",
        "bindings",
        "traits",
        "messages",
        "reply",
    ];
    pub(crate) const OPERATION_TRAIT: &[&str] = &[
        "title",
        "summary",
        "description",
        "security",
        "tags",
        "externalDocs",
        "bindings",
    ];
    pub(crate) const MESSAGE: &[&str] = &[
        "headers",
        "payload",
        "correlationId",
        "contentType",
        "name",
        "title",
        "summary",
        "description",
        "tags",
        "externalDocs",
        "bindings",
        "examples",
        "traits",
    ];
    pub(crate) const MESSAGE_TRAIT: &[&str] = &[
        "headers",
        "correlationId",
        "contentType",
        "name",
        "title",
        "summary",
        "description",
        "tags",
        "externalDocs",
        "bindings",
        "examples",
    ];
    pub(crate) const PARAMETER: &[&str] =
        &["enum", "default", "description", "examples", "location"];
    pub(crate) const REPLY: &[&str] = &["address", "channel", "messages"];
    pub(crate) const COMPONENTS: &[&str] = &[
        "schemas",
        "servers",
        "channels",
        "operations",
        "messages",
        "securitySchemes",
        "serverVariables",
        "parameters",
        "correlationIds",
        "replies",
        "replyAddresses",
        "externalDocs",
        "tags",
        "operationTraits",
        "messageTraits",
        "serverBindings",
        "channelBindings",
        "operationBindings",
        "messageBindings",
    ];
    pub(crate) const REPLY_ADDRESS: &[&str] = &["location", "description"];
    pub(crate) const MULTI_FORMAT_SCHEMA: &[&str] = &["schemaFormat", "schema"];
}
