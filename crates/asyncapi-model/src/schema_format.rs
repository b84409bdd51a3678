//! Payload schema formats (`schemaFormat`).

use serde::Serialize;

/// The format a message payload schema is written in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "media_type", rename_all = "kebab-case")]
pub enum SchemaFormat {
    /// No `schemaFormat`: the AsyncAPI schema object (a JSON Schema draft 07 superset).
    Default,
    /// The AsyncAPI schema object named explicitly.
    AsyncApi(String),
    /// JSON Schema (`application/schema+json;version=draft-07` and the like).
    JsonSchema(String),
    /// An OpenAPI 3.0 schema object (`nullable`, `discriminator`).
    OpenApi(String),
    /// An Apache Avro schema.
    Avro(String),
    /// Anything else (RAML, Protobuf, ...): kept, but its payload is raw bytes to us.
    Other(String),
}

impl SchemaFormat {
    pub fn parse(media_type: &str) -> SchemaFormat {
        let lower = media_type.to_ascii_lowercase();
        let base = lower.split(';').next().unwrap_or("").trim();
        match base {
            "application/vnd.aai.asyncapi"
            | "application/vnd.aai.asyncapi+json"
            | "application/vnd.aai.asyncapi+yaml" => SchemaFormat::AsyncApi(media_type.to_owned()),
            "application/schema+json" | "application/schema+yaml" => {
                SchemaFormat::JsonSchema(media_type.to_owned())
            }
            "application/vnd.oai.openapi"
            | "application/vnd.oai.openapi+json"
            | "application/vnd.oai.openapi+yaml" => SchemaFormat::OpenApi(media_type.to_owned()),
            "application/vnd.apache.avro"
            | "application/vnd.apache.avro+json"
            | "application/vnd.apache.avro+yaml" => SchemaFormat::Avro(media_type.to_owned()),
            _ => SchemaFormat::Other(media_type.to_owned()),
        }
    }

    /// Whether payloads in this format are JSON Schema-like and can be walked as such.
    pub fn is_json_schema(&self) -> bool {
        matches!(
            self,
            SchemaFormat::Default
                | SchemaFormat::AsyncApi(_)
                | SchemaFormat::JsonSchema(_)
                | SchemaFormat::OpenApi(_)
        )
    }
}
