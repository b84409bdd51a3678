//! Apache Avro schemas as JSON Schema, so that Avro payloads get Rust types from the same
//! mapping as everything else: records become structs (closed: Avro records have no other
//! fields), enums string enums, `["null", T]` unions optional `T`, other unions untagged
//! enums, arrays lists, maps string-keyed maps, and logical types the integer or string
//! they are carried as, with what they mean in the docs (`uuid` gets its format).
//!
//! Named types (records, enums, fixed) go into `$defs` under their full name and are
//! referred to with `$ref`, so a type used twice is one type and recursive records work.

use serde_json::{Map, Value, json};

/// The JSON Schema of an Avro schema: the root schema, with every named type in `$defs`.
pub fn to_json_schema(avro: &Value) -> Value {
    let mut defs = Map::new();
    let root = convert(avro, None, &mut defs);
    let mut out = match root {
        Value::Object(m) => m,
        other => {
            let mut m = Map::new();
            m.insert("allOf".into(), json!([other]));
            m
        }
    };
    out.insert("$defs".into(), Value::Object(defs));
    Value::Object(out)
}

fn full_name(name: &str, namespace: Option<&str>) -> String {
    match namespace {
        Some(ns) if !name.contains('.') && !ns.is_empty() => format!("{ns}.{name}"),
        _ => name.to_owned(),
    }
}

fn reference(full: &str) -> Value {
    json!({ "$ref": format!("#/$defs/{}", full.replace('~', "~0").replace('/', "~1")) })
}

fn primitive(name: &str) -> Option<Value> {
    Some(match name {
        "null" => json!({"type": "null"}),
        "boolean" => json!({"type": "boolean"}),
        "int" => json!({"type": "integer", "format": "int32"}),
        "long" => json!({"type": "integer", "format": "int64"}),
        "float" => json!({"type": "number", "format": "float"}),
        "double" => json!({"type": "number"}),
        "bytes" | "string" => json!({"type": "string"}),
        _ => return None,
    })
}

fn logical(base: Value, logical: &str) -> Value {
    let mut m = match base {
        Value::Object(m) => m,
        other => return other,
    };
    let meaning = match logical {
        "uuid" => {
            m.insert("format".into(), "uuid".into());
            return Value::Object(m);
        }
        "date" => "days since the Unix epoch (Avro `date`)",
        "time-millis" => "milliseconds after midnight (Avro `time-millis`)",
        "time-micros" => "microseconds after midnight (Avro `time-micros`)",
        "timestamp-millis" | "local-timestamp-millis" => {
            "milliseconds since the Unix epoch (Avro `timestamp-millis`)"
        }
        "timestamp-micros" | "local-timestamp-micros" => {
            "microseconds since the Unix epoch (Avro `timestamp-micros`)"
        }
        "decimal" => "a decimal number, as Avro encodes it (Avro `decimal`)",
        "duration" => "months, days and milliseconds (Avro `duration`)",
        _ => return Value::Object(m),
    };
    m.insert("description".into(), meaning.into());
    Value::Object(m)
}

fn convert(avro: &Value, namespace: Option<&str>, defs: &mut Map<String, Value>) -> Value {
    match avro {
        Value::String(name) => match primitive(name) {
            Some(p) => p,
            None => reference(&full_name(name, namespace)),
        },
        Value::Array(branches) => {
            let converted: Vec<Value> = branches
                .iter()
                .map(|b| convert(b, namespace, defs))
                .collect();
            json!({ "oneOf": converted })
        }
        Value::Object(m) => {
            let kind = m.get("type").cloned().unwrap_or(Value::Null);
            let doc = m.get("doc").and_then(Value::as_str);
            let with_doc = |mut v: Value| {
                if let (Some(d), Value::Object(o)) = (doc, &mut v) {
                    o.entry("description").or_insert_with(|| d.into());
                }
                v
            };
            let Value::String(kind) = kind else {
                // `{"type": [...]}` or `{"type": {...}}`: the inner schema.
                return with_doc(convert(&kind, namespace, defs));
            };
            let ns = m.get("namespace").and_then(Value::as_str).or(namespace);
            match kind.as_str() {
                "record" | "error" => {
                    let name = m.get("name").and_then(Value::as_str).unwrap_or("Record");
                    let full = full_name(name, ns);
                    let inner_ns = full.rsplit_once('.').map(|(n, _)| n.to_owned());
                    if !defs.contains_key(&full) {
                        // Reserve the name first: a record may contain itself.
                        defs.insert(full.clone(), json!({}));
                        let mut props = Map::new();
                        let mut required = Vec::new();
                        for f in m
                            .get("fields")
                            .and_then(Value::as_array)
                            .into_iter()
                            .flatten()
                        {
                            let Some(fname) = f.get("name").and_then(Value::as_str) else {
                                continue;
                            };
                            let ftype = f.get("type").cloned().unwrap_or(Value::Null);
                            let nullable = match &ftype {
                                Value::Array(b) => b.iter().any(|x| x == "null"),
                                Value::String(s) => s == "null",
                                _ => false,
                            };
                            let mut schema = convert(&ftype, inner_ns.as_deref(), defs);
                            if let (Some(d), Value::Object(o)) =
                                (f.get("doc").and_then(Value::as_str), &mut schema)
                            {
                                if !o.contains_key("$ref") {
                                    o.insert("description".into(), d.into());
                                }
                            }
                            if !nullable && f.get("default").is_none() {
                                required.push(Value::String(fname.to_owned()));
                            }
                            props.insert(fname.to_owned(), schema);
                        }
                        let record = json!({
                            "type": "object",
                            "properties": props,
                            "required": required,
                            "additionalProperties": false,
                        });
                        defs.insert(full.clone(), with_doc(record));
                    }
                    reference(&full)
                }
                "enum" => {
                    let name = m.get("name").and_then(Value::as_str).unwrap_or("Enum");
                    let full = full_name(name, ns);
                    let symbols = m.get("symbols").cloned().unwrap_or(json!([]));
                    defs.entry(full.clone())
                        .or_insert_with(|| with_doc(json!({"type": "string", "enum": symbols})));
                    reference(&full)
                }
                "fixed" => {
                    let name = m.get("name").and_then(Value::as_str).unwrap_or("Fixed");
                    let full = full_name(name, ns);
                    let base = json!({"type": "string", "description": format!("{} bytes (Avro `fixed`)", m.get("size").and_then(Value::as_u64).unwrap_or(0))});
                    let schema = match m.get("logicalType").and_then(Value::as_str) {
                        Some(l) => logical(base, l),
                        None => base,
                    };
                    defs.entry(full.clone()).or_insert(schema);
                    reference(&full)
                }
                "array" => {
                    let items = convert(m.get("items").unwrap_or(&Value::Null), ns, defs);
                    with_doc(json!({"type": "array", "items": items}))
                }
                "map" => {
                    let values = convert(m.get("values").unwrap_or(&Value::Null), ns, defs);
                    with_doc(json!({"type": "object", "additionalProperties": values}))
                }
                other => {
                    let base = primitive(other).unwrap_or_else(|| reference(&full_name(other, ns)));
                    let base = match m.get("logicalType").and_then(Value::as_str) {
                        Some(l) => logical(base, l),
                        None => base,
                    };
                    with_doc(base)
                }
            }
        }
        _ => json!({}),
    }
}

#[cfg(test)]
mod tests {
    use super::to_json_schema;
    use serde_json::json;

    #[test]
    fn records_enums_unions_arrays_maps_and_logical_types() {
        let avro = json!({
            "type": "record", "name": "Order", "namespace": "com.example",
            "fields": [
                {"name": "id", "type": {"type": "string", "logicalType": "uuid"}},
                {"name": "note", "type": ["null", "string"], "default": null},
                {"name": "status", "type": {"type": "enum", "name": "Status", "symbols": ["NEW", "DONE"]}},
                {"name": "lines", "type": {"type": "array", "items": {"type": "record", "name": "Line", "fields": [{"name": "qty", "type": "int"}]}}},
                {"name": "tags", "type": {"type": "map", "values": "long"}},
                {"name": "at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
                {"name": "next", "type": ["null", "Order"]}
            ]
        });
        let s = to_json_schema(&avro);
        assert_eq!(s["$ref"], "#/$defs/com.example.Order");
        let order = &s["$defs"]["com.example.Order"];
        assert_eq!(
            order["required"],
            json!(["id", "status", "lines", "tags", "at"])
        );
        assert_eq!(
            order["properties"]["id"],
            json!({"type": "string", "format": "uuid"})
        );
        assert_eq!(
            order["properties"]["note"],
            json!({"oneOf": [{"type": "null"}, {"type": "string"}]})
        );
        assert_eq!(
            order["properties"]["status"],
            json!({"$ref": "#/$defs/com.example.Status"})
        );
        assert_eq!(
            s["$defs"]["com.example.Status"],
            json!({"type": "string", "enum": ["NEW", "DONE"]})
        );
        assert_eq!(
            order["properties"]["lines"]["items"],
            json!({"$ref": "#/$defs/com.example.Line"})
        );
        assert_eq!(
            order["properties"]["tags"],
            json!({"type": "object", "additionalProperties": {"type": "integer", "format": "int64"}})
        );
        assert_eq!(order["properties"]["at"]["format"], "int64");
        assert_eq!(
            order["properties"]["next"],
            json!({"oneOf": [{"type": "null"}, {"$ref": "#/$defs/com.example.Order"}]})
        );
    }
}
