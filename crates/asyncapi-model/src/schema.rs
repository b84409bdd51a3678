//! Schemas: where each is ([`Schema`]; the model points at schemas and never copies them), and
//! checking them in place: every `$ref` below a schema must resolve, each target is walked once,
//! and every JSON Schema keyword must have a value of the right type.

use serde::Serialize;
use serde_json::Value;

use crate::check::closest;
use crate::context::{At, Cx, Problem, ref_of};
use crate::diag::Severity;
use crate::repair;
use crate::schema_format::SchemaFormat;
use crate::sink::{describe, kind};
use crate::source::Format;
use crate::store::{Change, Edit, Loc};

/// A schema in the document. The model does not copy schemas: it points at them, so that
/// recursive schemas load and a schema used twice is one schema.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Schema {
    /// Where the schema (or the `$ref` standing for it) is written.
    pub at: Loc,
    /// Where its definition is: the target of a top-level `$ref`, else `at`.
    pub target: Loc,
    /// A schema made by applying traits, which exists in no file. Its `$ref`s are absolute.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merged: Option<Value>,
}

impl Schema {
    /// Whether the schema was written as a `$ref`.
    pub fn is_ref(&self) -> bool {
        self.at != self.target
    }
}

/// Reads a schema. `$ref`s inside are checked (each target must exist) and followed once,
/// but not inlined: the model points at schemas, so that recursive schemas load and shared
/// schemas stay shared.
pub(crate) fn read<'s>(cx: &mut Cx<'s>, node: &At<'s>) -> Schema {
    let mut target = node.at.clone();
    if let Some(Value::String(r)) = ref_of(node.v) {
        // Refs in merged values are absolute, so they resolve from any file.
        match cx.store.resolve(node.at.file, r) {
            Ok(t) => target = t,
            Err(e) => cx.unresolved(&node.at.child("$ref"), "schema", e),
        }
    }
    let repairs_before = cx.merged_edits.len();
    walk(cx, node);
    let merged = node.merged.then(|| {
        // The repairs of a merged value go into the copy the model keeps.
        let mut value = node.v.clone();
        for e in cx.merged_edits.drain(repairs_before..) {
            let rel = e.at.pointer.strip_prefix(&node.at.pointer);
            if let Some(rel) = rel.filter(|r| r.is_empty() || r.starts_with('/')) {
                e.change.apply(&mut value, rel);
            }
        }
        value
    });
    Schema {
        at: node.at.clone(),
        target,
        merged,
    }
}

/// Reads a payload schema in `format`: JSON Schema-like formats are walked (their refs are
/// checked); other formats only have their top-level `$ref` followed, so that an Avro file
/// referenced by URL or path is loaded.
pub(crate) fn payload<'s>(cx: &mut Cx<'s>, node: &At<'s>, format: &SchemaFormat) -> Schema {
    if format.is_json_schema() {
        return read(cx, node);
    }
    let mut target = node.at.clone();
    if let Some(Value::String(r)) = ref_of(node.v) {
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

/// Checks every `$ref` below a schema and walks each target once.
///
/// A worklist, not recursion: a chain of ten thousand `$ref`s or nested schemas costs heap,
/// never the stack. Children are visited in document order (depth first).
pub(crate) fn walk<'s>(cx: &mut Cx<'s>, root: &At<'s>) {
    let mut todo = vec![root.clone()];
    let mut children = Vec::new();
    while let Some(node) = todo.pop() {
        visit(cx, &node, &mut children);
        todo.extend(children.drain(..).rev());
    }
}

/// Checks one schema's keywords and queues the schemas below it (and its `$ref`'s target)
/// in `children`.
fn visit<'s>(cx: &mut Cx<'s>, node: &At<'s>, children: &mut Vec<At<'s>>) {
    if !node.merged && !cx.schemas_seen.insert(node.at.clone()) {
        return;
    }
    let map = match node.v {
        Value::Object(map) => map,
        Value::Bool(_) => return,
        _ => {
            cx.error(
                "invalid-schema",
                &node.at,
                format!(
                    "a schema must be an object or a boolean, found {}",
                    kind(node.v)
                ),
            );
            return;
        }
    };
    if let Some(r) = map.get("$ref") {
        let ref_at = node.at.child("$ref");
        match r {
            Value::String(r) => match cx.store.resolve(node.at.file, r) {
                Ok(t) => {
                    if let Some(v) = cx.store.get(&t) {
                        children.push(At {
                            v,
                            at: t,
                            merged: false,
                        });
                    }
                }
                Err(e) => cx.unresolved(&ref_at, "schema", e),
            },
            _ => cx.error("invalid-ref", &ref_at, "`$ref` must be a string"),
        }
    }
    for (key, sub) in map {
        check_keyword(cx, node, key, sub);
        match key.as_str() {
            "properties" | "patternProperties" | "definitions" | "$defs" | "dependentSchemas" => {
                if let Value::Object(members) = sub {
                    let at = node.at.child(key);
                    for (name, s) in members {
                        let child = at.child(name);
                        if key == "properties" && name == "$ref" && s.is_string() {
                            cx.push(
                                Severity::Error,
                                "invalid-schema",
                                &child,
                                "a schema must be an object or a boolean, found a string"
                                    .to_owned(),
                                Some("`$ref` here is read as a property named `$ref`; write the reference next to `properties` or inside `allOf`".to_owned()),
                            );
                            continue;
                        }
                        children.push(At {
                            v: s,
                            at: child.clone(),
                            merged: node.merged,
                        });
                    }
                }
            }
            "dependencies" => {
                if let Value::Object(members) = sub {
                    let at = node.at.child(key);
                    for (name, s) in members {
                        if s.is_object() {
                            let child = at.child(name);
                            children.push(At {
                                v: s,
                                at: child.clone(),
                                merged: node.merged,
                            });
                        }
                    }
                }
            }
            "items"
            | "additionalItems"
            | "additionalProperties"
            | "contains"
            | "propertyNames"
            | "not"
            | "if"
            | "then"
            | "else"
            | "unevaluatedProperties"
            | "unevaluatedItems" => {
                let at = node.at.child(key);
                match sub {
                    Value::Array(items) if key == "items" => {
                        for (i, s) in items.iter().enumerate() {
                            let child = at.child(&i.to_string());
                            children.push(At {
                                v: s,
                                at: child.clone(),
                                merged: node.merged,
                            });
                        }
                    }
                    _ => children.push(At {
                        v: sub,
                        at: at.clone(),
                        merged: node.merged,
                    }),
                }
            }
            "allOf" | "anyOf" | "oneOf" | "prefixItems" => {
                let at = node.at.child(key);
                match sub {
                    Value::Array(items) => {
                        if key == "allOf" {
                            check_all_of(cx, &at, items);
                        }
                        for (i, s) in items.iter().enumerate() {
                            let child = at.child(&i.to_string());
                            children.push(At {
                                v: s,
                                at: child.clone(),
                                merged: node.merged,
                            });
                        }
                    }
                    _ => cx.error(
                        "invalid-schema",
                        &at,
                        format!("`{key}` must be an array of schemas, found {}", kind(sub)),
                    ),
                }
            }
            _ => {}
        }
    }
}

/// The schema a value written in `file` stands for, and the file it is in: itself, or what
/// its `$ref`s lead to (a few hops; a ref that does not resolve is reported by the walk).
fn followed<'s>(
    cx: &Cx<'s>,
    file: crate::source::FileId,
    v: &'s Value,
) -> Option<(crate::source::FileId, &'s Value)> {
    let (mut v, mut file) = (v, file);
    for _ in 0..8 {
        let Some(Value::String(r)) = ref_of(v) else {
            return Some((file, v));
        };
        let t = cx.store.resolve(file, r).ok()?;
        file = t.file;
        v = cx.store.get(&t)?;
    }
    None
}

/// The JSON types a schema's `type` allows (`integer` is a `number` too); `None` when it
/// says nothing, or names a type that is not one (`int` is reported, and read, elsewhere).
fn types_of(v: &Value) -> Option<Vec<&str>> {
    let ts: Vec<&str> = match v.get("type")? {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().map(Value::as_str).collect::<Option<_>>()?,
        _ => return None,
    };
    ts.iter().all(|t| TYPES.contains(t)).then_some(ts)
}

fn overlap(a: &[&str], b: &[&str]) -> bool {
    let within = |x: &str, y: &str| x == y || (x == "integer" && y == "number");
    a.iter()
        .any(|x| b.iter().any(|y| within(x, y) || within(y, x)))
}

fn describe_types(ts: &[&str]) -> String {
    let one = |t: &&str| match *t {
        "integer" | "object" | "array" => format!("an {t}"),
        "null" => "null".to_owned(),
        t => format!("a {t}"),
    };
    ts.iter().map(one).collect::<Vec<_>>().join(" or ")
}

/// An `allOf` whose parts ask for values of types no value has at once (a string and an
/// integer), at the top or for a property they share, describes no message at all: an error,
/// since the code generated from it could accept nothing.
fn check_all_of<'s>(cx: &mut Cx<'s>, at: &Loc, items: &'s [Value]) {
    // Each part with the file it is in, which its properties' refs are relative to.
    let parts: Vec<(usize, crate::source::FileId, &'s Value)> = items
        .iter()
        .enumerate()
        .filter_map(|(i, v)| followed(cx, at.file, v).map(|(f, v)| (i, f, v)))
        .collect();
    let mut clash = None;
    'pairs: for (n, &(i, fa, a)) in parts.iter().enumerate() {
        for &(j, fb, b) in &parts[n + 1..] {
            if let (Some(ta), Some(tb)) = (types_of(a), types_of(b)) {
                if !ta.is_empty() && !tb.is_empty() && !overlap(&ta, &tb) {
                    clash = Some(format!(
                        "`allOf` cannot be satisfied: part {i} is {} and part {j} {}, and no value is both",
                        describe_types(&ta),
                        describe_types(&tb)
                    ));
                    break 'pairs;
                }
            }
            let (Some(Value::Object(pa)), Some(Value::Object(pb))) =
                (a.get("properties"), b.get("properties"))
            else {
                continue;
            };
            for (name, sa) in pa {
                let Some(sb) = pb.get(name) else { continue };
                let (Some((_, sa)), Some((_, sb))) = (followed(cx, fa, sa), followed(cx, fb, sb))
                else {
                    continue;
                };
                if let (Some(ta), Some(tb)) = (types_of(sa), types_of(sb)) {
                    if !ta.is_empty() && !tb.is_empty() && !overlap(&ta, &tb) {
                        clash = Some(format!(
                            "`allOf` cannot be satisfied: part {i} makes property `{name}` {} and part {j} {}, and no value is both",
                            describe_types(&ta),
                            describe_types(&tb)
                        ));
                        break 'pairs;
                    }
                }
            }
        }
    }
    if let Some(message) = clash {
        cx.error("contradictory-schema", at, message);
    }
}

const TYPES: &[&str] = &[
    "string", "number", "integer", "boolean", "object", "array", "null",
];

/// Checks the type of a JSON Schema keyword's value (draft 07, as AsyncAPI's schema object)
/// in the schema `node`. A lenient load repairs the slips [`crate::repair`] names.
fn check_keyword(cx: &mut Cx<'_>, node: &At<'_>, key: &str, v: &Value) {
    let at = &node.at;
    let expected = match key {
        "minimum" | "maximum" | "multipleOf" => v.is_number().then_some(()).ok_or("a number"),
        // Draft 04 and OpenAPI 3.0 use booleans here, draft 06+ numbers.
        "exclusiveMinimum" | "exclusiveMaximum" => (v.is_number() || v.is_boolean())
            .then_some(())
            .ok_or("a number"),
        "minLength" | "maxLength" | "minItems" | "maxItems" | "minProperties" | "maxProperties"
        | "minContains" | "maxContains" => v.as_u64().map(|_| ()).ok_or("a non-negative integer"),
        "required" => match v {
            Value::Array(items) if items.iter().all(Value::is_string) => Ok(()),
            _ => Err("an array of property names"),
        },
        "enum" => v.is_array().then_some(()).ok_or("an array"),
        "pattern" | "format" | "title" | "description" | "$comment" | "contentMediaType"
        | "contentEncoding" => v.is_string().then_some(()).ok_or("a string"),
        "properties" | "patternProperties" | "definitions" | "$defs" => {
            v.is_object().then_some(()).ok_or("an object")
        }
        "uniqueItems" | "readOnly" | "writeOnly" | "deprecated" | "nullable" => {
            v.is_boolean().then_some(()).ok_or("a boolean")
        }
        "type" => match v {
            Value::String(t) if TYPES.contains(&t.as_str()) => Ok(()),
            Value::Array(items)
                if items
                    .iter()
                    .all(|t| t.as_str().is_some_and(|t| TYPES.contains(&t))) =>
            {
                Ok(())
            }
            _ => Err(
                "one of string, number, integer, boolean, object, array, null (or an array of them)",
            ),
        },
        _ => Ok(()),
    };
    if let Err(expected) = expected {
        let numeric = expected == "a number" || expected == "a non-negative integer";
        let (mut found, written) = describe(v);
        let mut help = None;
        match (key, v) {
            ("type", Value::String(t)) => {
                help = closest(t, TYPES).map(|c| format!("did you mean `{c}`?"));
            }
            (_, Value::String(s)) if numeric => match s.parse::<f64>() {
                // Only a quoted number is a string that parses.
                Ok(n) if n.is_finite() => {
                    help = Some(match cx.store.file(at.file).format {
                        Format::Yaml => format!("write it without quotes: {key}: {s}"),
                        Format::Json => format!("write it without quotes: \"{key}\": {s}"),
                    });
                }
                // YAML keeps a number too large for a 64-bit float (`1e400`) as a string.
                Ok(_) if s.bytes().any(|b| b.is_ascii_digit()) => {
                    found =
                        format!("{s}, which is out of the range of a 64-bit floating-point number");
                }
                _ => {}
            },
            _ => {}
        }
        let problem = Problem {
            code: "invalid-schema",
            message: format!("schema keyword `{key}` must be {expected}, found {found}"),
            help,
            written,
        };
        let (assumed, change) = match repair_keyword(key, v, expected) {
            Some((assumed, change)) => (Some(assumed), Some(change)),
            None => (None, None),
        };
        let at = at.child(key);
        if cx.report(&at, problem, assumed.as_deref()) {
            if let Some(change) = change {
                cx.edit(Edit { at, change }, node.merged);
            }
        }
    }
}

/// What a lenient load assumes about a keyword whose value has the wrong type, and how it
/// rewrites the schema; `None` when the slip has no single reading.
fn repair_keyword(key: &str, v: &Value, expected: &str) -> Option<(String, Change)> {
    match (key, v) {
        ("description" | "$comment", _) => Some((repair::IGNORED.to_owned(), Change::Remove)),
        ("type", Value::String(t)) => {
            let t = repair::type_name(t)?;
            Some((format!("read as `{t}`"), Change::Replace(Value::from(t))))
        }
        ("type", Value::Array(items)) => {
            let names = items
                .iter()
                .map(|t| t.as_str().and_then(repair::type_name))
                .collect::<Option<Vec<&str>>>()?;
            let shown = names
                .iter()
                .map(|t| format!("`{t}`"))
                .collect::<Vec<_>>()
                .join(", ");
            Some((
                format!("read as [{shown}]"),
                Change::Replace(Value::from(names)),
            ))
        }
        (_, Value::String(s)) if expected == "a number" || expected == "a non-negative integer" => {
            let n = repair::quoted_number(s, expected == "a non-negative integer")?;
            Some((format!("read as {n}"), Change::Replace(Value::Number(n))))
        }
        _ => None,
    }
}
