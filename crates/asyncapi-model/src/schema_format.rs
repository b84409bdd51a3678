//! Payload schema formats (`schemaFormat`).

use serde::Serialize;

use crate::model::Schema;
use crate::read::{At, Cx};

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

/// Reads a payload schema in `format`: JSON Schema-like formats are walked (their refs are
/// checked); other formats only have their top-level `$ref` followed, so that an Avro file
/// referenced by URL or path is loaded.
pub(crate) fn payload_schema<'s>(cx: &mut Cx<'s>, node: &At<'s>, format: &SchemaFormat) -> Schema {
    if format.is_json_schema() {
        return cx.schema(node);
    }
    let mut target = node.at.clone();
    if let Some(serde_json::Value::String(r)) = crate::read::ref_of(node.v) {
        match cx.store.resolve(node.at.file, r) {
            Ok(t) => target = t,
            Err(e) => cx.unresolved(&node.at.child("$ref"), "schema", e),
        }
    }
    Schema {
        at: node.at.clone(),
        target,
        merged: node.merged.then(|| node.v.clone()),
    }
}
