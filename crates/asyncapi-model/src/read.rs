//! The typed walk's machinery: a context that collects diagnostics and follows `$ref`s, and
//! an object reader that knows the valid field names of the object it reads (for "did you
//! mean" warnings) and keeps `x-` extensions.

use std::collections::HashSet;
use std::path::PathBuf;

use indexmap::IndexMap;
use serde_json::{Map, Value};

use crate::diag::Severity;
use crate::model::Schema;
use crate::source::Format;
use crate::store::{Loc, RefError, Store};

/// A diagnostic before its line and column are known.
#[derive(Debug, Clone)]
pub(crate) struct RawDiag {
    pub severity: Severity,
    pub code: &'static str,
    /// May hold [`AS_WRITTEN`], filled in from `written`.
    pub message: String,
    pub at: Place,
    pub help: Option<String>,
    /// How to show the offending value as written in its file, for [`AS_WRITTEN`].
    pub written: Option<Written>,
}

/// Where a raw diagnostic is.
#[derive(Debug, Clone)]
pub(crate) enum Place {
    /// A node, located when diagnostics are finished.
    Node(Loc),
    /// A position in a file that is not in the store (one that did not parse).
    Text {
        path: PathBuf,
        line: usize,
        column: usize,
    },
}

/// In a raw diagnostic's message or help, stands for the offending value as written in its
/// file; `finish_diags` fills it in once it has located the node (see [`Written`]).
pub(crate) const AS_WRITTEN: &str = "\u{1}";

/// How to show an offending value, given its scalar as written (text, whether plain).
#[derive(Debug, Clone)]
pub(crate) enum Written {
    /// A number: as written (`1.10`, `1e3`) when the source says so, else as parsed.
    Number { parsed: String, value: f64 },
    /// A null, which YAML also makes of `.inf` and `.nan` (JSON has neither).
    Null,
}

impl Written {
    pub fn show(&self, scalar: Option<&(String, bool)>) -> String {
        let plain = scalar.filter(|(_, plain)| *plain).map(|(t, _)| t.as_str());
        match self {
            Written::Number { parsed, value } => match plain {
                Some(t) if t.parse::<f64>().ok() == Some(*value) => t.to_owned(),
                _ => parsed.clone(),
            },
            Written::Null => match plain {
                Some(
                    t @ (".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" | "-.inf" | "-.Inf"
                    | "-.INF"),
                ) => format!("{t} (JSON has no infinity)"),
                Some(t @ (".nan" | ".NaN" | ".NAN")) => format!("{t} (JSON has no NaN)"),
                _ => "null".to_owned(),
            },
        }
    }
}

/// A value for a message, and how to fill in [`AS_WRITTEN`] when it stands for it.
pub(crate) fn describe(v: &Value) -> (String, Option<Written>) {
    match v {
        Value::String(s) => (format!("the string \"{s}\""), None),
        Value::Number(n) => (
            AS_WRITTEN.to_owned(),
            Some(Written::Number {
                parsed: n.to_string(),
                value: n.as_f64().unwrap_or(f64::NAN),
            }),
        ),
        Value::Null => (AS_WRITTEN.to_owned(), Some(Written::Null)),
        other => (kind(other).to_owned(), None),
    }
}

/// A value and where it is. `merged` values were built by applying traits and do not exist
/// verbatim in any file: their `at` is the object they were merged into.
#[derive(Debug, Clone)]
pub(crate) struct At<'a> {
    pub v: &'a Value,
    pub at: Loc,
    pub merged: bool,
}

pub(crate) struct Cx<'s> {
    pub store: &'s Store,
    /// Values made during the walk (objects with traits applied) live here.
    pub arena: &'s typed_arena::Arena<Value>,
    pub diags: Vec<RawDiag>,
    /// `(major, minor)` of the document.
    pub version: (u32, u32),
    /// Non-schema refs being read, to catch cycles.
    stack: Vec<Loc>,
    /// Schemas already walked.
    schemas_seen: HashSet<Loc>,
}

impl<'s> Cx<'s> {
    pub fn new(
        store: &'s Store,
        arena: &'s typed_arena::Arena<Value>,
        version: (u32, u32),
    ) -> Self {
        Cx {
            store,
            arena,
            diags: Vec::new(),
            version,
            stack: Vec::new(),
            schemas_seen: HashSet::new(),
        }
    }

    pub fn at_least(&self, major: u32, minor: u32) -> bool {
        self.version >= (major, minor)
    }

    pub fn error(&mut self, code: &'static str, at: &Loc, message: impl Into<String>) {
        self.push(Severity::Error, code, at, message.into(), None);
    }

    pub fn warn(
        &mut self,
        code: &'static str,
        at: &Loc,
        message: impl Into<String>,
        help: Option<String>,
    ) {
        self.push(Severity::Warning, code, at, message.into(), help);
    }

    pub fn push(
        &mut self,
        severity: Severity,
        code: &'static str,
        at: &Loc,
        message: String,
        help: Option<String>,
    ) {
        self.push_written(severity, code, at, message, help, None);
    }

    /// [`Self::push`] for a message or help that holds [`AS_WRITTEN`].
    pub fn push_written(
        &mut self,
        severity: Severity,
        code: &'static str,
        at: &Loc,
        message: String,
        help: Option<String>,
        written: Option<Written>,
    ) {
        self.diags.push(RawDiag {
            severity,
            code,
            message,
            at: Place::Node(at.clone()),
            help,
            written,
        });
    }

    /// Reports a `$ref` (at `ref_at`) to a `what` that did not resolve. When the target file
    /// did not parse, its syntax error is reported too, in that file.
    pub fn unresolved(&mut self, ref_at: &Loc, what: &str, e: RefError) {
        if let RefError::Unreadable { path, .. } = &e {
            if let Some(se) = self.store.syntax_errors.get(path) {
                self.diags.push(RawDiag {
                    severity: Severity::Error,
                    code: "syntax",
                    message: se.message.clone(),
                    at: Place::Text {
                        path: path.clone(),
                        line: se.line,
                        column: se.column,
                    },
                    help: None,
                    written: None,
                });
            }
        }
        self.error(
            "unresolved-ref",
            ref_at,
            format!("cannot resolve {what} reference: {e}"),
        );
    }

    /// A location for a message, seen from file `from`: `#/pointer` in the same file, else
    /// `path#/pointer`.
    pub fn show_loc(&self, loc: &Loc, from: crate::FileId) -> String {
        if loc.file == from {
            format!("#{}", loc.pointer)
        } else {
            format!(
                "{}#{}",
                self.store.file(loc.file).path.display(),
                loc.pointer
            )
        }
    }

    /// `a -> b -> a`: a cycle of locations, seen from file `from`.
    fn show_cycle(&self, cycle: &[Loc], from: crate::FileId) -> String {
        cycle
            .iter()
            .chain(cycle.first())
            .map(|l| self.show_loc(l, from))
            .collect::<Vec<_>>()
            .join(" -> ")
    }

    /// Follows a chain of `$ref`s starting at `node` to the value it stands for. `None` (after
    /// an error) when a ref does not resolve or the chain loops. The second item is the
    /// location of the final target when at least one ref was followed.
    pub fn deref(&mut self, node: &At<'s>, what: &str) -> Option<(At<'s>, Option<Loc>)> {
        let mut current = node.clone();
        let mut seen: Vec<Loc> = Vec::new();
        let mut via = None;
        loop {
            let Some(r) = ref_of(current.v) else {
                return Some((current, via));
            };
            let ref_at = current.at.child("$ref");
            let Some(r) = r.as_str() else {
                self.error("invalid-ref", &ref_at, "`$ref` must be a string");
                return None;
            };
            let target = match self.store.resolve(current.at.file, r) {
                Ok(t) => t,
                Err(e) => {
                    self.unresolved(&ref_at, what, e);
                    return None;
                }
            };
            if target == current.at {
                self.error(
                    "ref-cycle",
                    &ref_at,
                    format!("{what} reference `{r}` points at itself"),
                );
                return None;
            }
            if let Some(i) = seen.iter().position(|l| *l == target) {
                // `seen[i..]` is the cycle, and `current` (its last) refers back to `seen[i]`:
                // show it from `current`, where the error is.
                let mut cycle = vec![current.at.clone()];
                cycle.extend_from_slice(&seen[i..seen.len() - 1]);
                let chain = self.show_cycle(&cycle, current.at.file);
                self.error(
                    "ref-cycle",
                    &ref_at,
                    format!("{what} reference cycle: {chain}"),
                );
                return None;
            }
            seen.push(target.clone());
            let v = self.store.get(&target).unwrap_or(&Value::Null);
            via = Some(target.clone());
            current = At {
                v,
                at: target,
                merged: false,
            };
        }
    }

    /// Enters a non-schema object reached through a ref; `false` (after an error) when it is
    /// already being read, i.e. the document contains itself.
    pub fn enter(&mut self, at: &Loc, from: &Loc, what: &str) -> bool {
        if let Some(i) = self.stack.iter().position(|l| l == at) {
            let message = if i + 1 == self.stack.len() {
                format!(
                    "this {what} reference points back at {}, which contains it",
                    self.show_loc(at, from.file)
                )
            } else {
                let chain = self.show_cycle(&self.stack[i..], from.file);
                format!("this {what} reference makes the object contain itself: {chain}")
            };
            self.error("ref-cycle", from, message);
            return false;
        }
        self.stack.push(at.clone());
        true
    }

    pub fn leave(&mut self) {
        self.stack.pop();
    }

    /// Reads a schema. `$ref`s inside are checked (each target must exist) and followed once,
    /// but not inlined: the model points at schemas, so that recursive schemas load and shared
    /// schemas stay shared.
    pub fn schema(&mut self, node: &At<'s>) -> Schema {
        let mut target = node.at.clone();
        if let Some(Value::String(r)) = ref_of(node.v) {
            // Refs in merged values are absolute, so they resolve from any file.
            match self.store.resolve(node.at.file, r) {
                Ok(t) => target = t,
                Err(e) => self.unresolved(&node.at.child("$ref"), "schema", e),
            }
        }
        self.walk_schema(node);
        Schema {
            at: node.at.clone(),
            target,
            merged: node.merged.then(|| node.v.clone()),
        }
    }

    /// Checks every `$ref` below a schema and walks each target once.
    pub fn walk_schema(&mut self, node: &At<'s>) {
        if !node.merged && !self.schemas_seen.insert(node.at.clone()) {
            return;
        }
        let map = match node.v {
            Value::Object(map) => map,
            Value::Bool(_) => return,
            _ => {
                self.error(
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
                Value::String(r) => match self.store.resolve(node.at.file, r) {
                    Ok(t) => {
                        if let Some(v) = self.store.get(&t) {
                            self.walk_schema(&At {
                                v,
                                at: t,
                                merged: false,
                            });
                        }
                    }
                    Err(e) => self.unresolved(&ref_at, "schema", e),
                },
                _ => self.error("invalid-ref", &ref_at, "`$ref` must be a string"),
            }
        }
        for (key, sub) in map {
            check_keyword(self, &node.at, key, sub);
            match key.as_str() {
                "properties" | "patternProperties" | "definitions" | "$defs"
                | "dependentSchemas" => {
                    if let Value::Object(members) = sub {
                        let at = node.at.child(key);
                        for (name, s) in members {
                            let child = at.child(name);
                            if key == "properties" && name == "$ref" && s.is_string() {
                                self.push(
                                    Severity::Error,
                                    "invalid-schema",
                                    &child,
                                    "a schema must be an object or a boolean, found a string"
                                        .to_owned(),
                                    Some("`$ref` here is read as a property named `$ref`; write the reference next to `properties` or inside `allOf`".to_owned()),
                                );
                                continue;
                            }
                            self.walk_schema(&At {
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
                                self.walk_schema(&At {
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
                                self.walk_schema(&At {
                                    v: s,
                                    at: child.clone(),
                                    merged: node.merged,
                                });
                            }
                        }
                        _ => self.walk_schema(&At {
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
                            for (i, s) in items.iter().enumerate() {
                                let child = at.child(&i.to_string());
                                self.walk_schema(&At {
                                    v: s,
                                    at: child.clone(),
                                    merged: node.merged,
                                });
                            }
                        }
                        _ => self.error(
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
}

const TYPES: &[&str] = &[
    "string", "number", "integer", "boolean", "object", "array", "null",
];

/// Checks the type of a JSON Schema keyword's value (draft 07, as AsyncAPI's schema object).
fn check_keyword(cx: &mut Cx<'_>, at: &Loc, key: &str, v: &Value) {
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
        cx.push_written(
            Severity::Error,
            "invalid-schema",
            &at.child(key),
            format!("schema keyword `{key}` must be {expected}, found {found}"),
            help,
            written,
        );
    }
}

/// The `$ref` member of an object, if any.
pub(crate) fn ref_of(v: &Value) -> Option<&Value> {
    match v {
        Value::Object(map) => map.get("$ref"),
        _ => None,
    }
}

/// A JSON type name for messages.
pub(crate) fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Reads one AsyncAPI object: typed getters that report wrong types, and a final check for
/// fields that are not in `fields`.
pub(crate) struct Obj<'s> {
    pub map: &'s Map<String, Value>,
    pub at: Loc,
    pub merged: bool,
    what: &'static str,
    fields: &'static [&'static str],
    /// For objects with traits applied: where each field really came from, and whether it was
    /// merged from several sources.
    origins: Option<std::collections::HashMap<String, (Loc, bool)>>,
    /// Objects whose schema has no `^x-` pattern (message examples) take no extensions.
    no_extensions: bool,
}

impl<'s> Obj<'s> {
    /// `None` (after an error) when the node is not an object.
    pub fn new(
        cx: &mut Cx<'s>,
        node: &At<'s>,
        what: &'static str,
        fields: &'static [&'static str],
    ) -> Option<Self> {
        match node.v {
            Value::Object(map) => Some(Obj {
                map,
                at: node.at.clone(),
                merged: node.merged,
                what,
                fields,
                origins: None,
                no_extensions: false,
            }),
            other => {
                cx.error(
                    "invalid-type",
                    &node.at,
                    format!("{what} must be an object, found {}", kind(other)),
                );
                None
            }
        }
    }

    pub fn from_at(
        cx: &mut Cx<'s>,
        at: &At<'s>,
        what: &'static str,
        fields: &'static [&'static str],
    ) -> Option<Self> {
        Obj::new(cx, at, what, fields)
    }

    /// An object whose fields come from several places (see [`crate::traits`]).
    pub fn with_origins(
        map: &'s Map<String, Value>,
        at: Loc,
        what: &'static str,
        fields: &'static [&'static str],
        origins: std::collections::HashMap<String, (Loc, bool)>,
    ) -> Self {
        Obj {
            map,
            at,
            merged: false,
            what,
            fields,
            origins: Some(origins),
            no_extensions: false,
        }
    }

    /// Reports `x-` fields as unknown: the object's schema does not allow extensions.
    pub fn forbid_extensions(mut self) -> Self {
        self.no_extensions = true;
        self
    }

    pub fn what(&self) -> &'static str {
        self.what
    }

    pub fn fields(&self) -> &'static [&'static str] {
        self.fields
    }

    pub fn get(&self, key: &str) -> Option<At<'s>> {
        debug_assert!(
            self.fields.contains(&key),
            "{key} is not listed for {}",
            self.what
        );
        let v = self.map.get(key)?;
        if let Some((at, merged)) = self.origins.as_ref().and_then(|o| o.get(key)) {
            return Some(At {
                v,
                at: at.clone(),
                merged: *merged,
            });
        }
        Some(At {
            v,
            at: self.at.child(key),
            merged: self.merged,
        })
    }

    /// The location of a field, whether or not it is present.
    pub fn field_at(&self, key: &str) -> Loc {
        match self.origins.as_ref().and_then(|o| o.get(key)) {
            Some((at, _)) => at.clone(),
            None => self.at.child(key),
        }
    }

    pub fn str(&self, cx: &mut Cx<'s>, key: &str) -> Option<String> {
        let n = self.get(key)?;
        match n.v {
            Value::String(s) => Some(s.clone()),
            Value::Number(_) => {
                // `version: 1.0` is the most common YAML slip: unquoted, it is a number.
                let (found, written) = describe(n.v);
                let help = match cx.store.file(n.at.file).format {
                    Format::Yaml => format!("quote it: `{key}: '{AS_WRITTEN}'`"),
                    Format::Json => format!("quote it: `\"{key}\": \"{AS_WRITTEN}\"`"),
                };
                cx.push_written(
                    Severity::Error,
                    "invalid-type",
                    &n.at,
                    format!("`{key}` must be a string, found {found}"),
                    Some(help),
                    written,
                );
                None
            }
            other => {
                cx.error(
                    "invalid-type",
                    &n.at,
                    format!("`{key}` must be a string, found {}", kind(other)),
                );
                None
            }
        }
    }

    pub fn req_str(&self, cx: &mut Cx<'s>, key: &str) -> String {
        if !self.map.contains_key(key) {
            cx.error(
                "missing-field",
                &self.at,
                format!("{} is missing the required field `{key}`", self.what),
            );
            return String::new();
        }
        self.str(cx, key).unwrap_or_default()
    }

    /// A list of strings.
    pub fn strs(&self, cx: &mut Cx<'s>, key: &str) -> Vec<String> {
        let Some(n) = self.get(key) else {
            return Vec::new();
        };
        let Value::Array(items) = n.v else {
            cx.error(
                "invalid-type",
                &n.at,
                format!("`{key}` must be an array of strings, found {}", kind(n.v)),
            );
            return Vec::new();
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            match item {
                Value::String(s) => out.push(s.clone()),
                other => cx.error(
                    "invalid-type",
                    &n.at.child(&i.to_string()),
                    format!("`{key}` items must be strings, found {}", kind(other)),
                ),
            }
        }
        out
    }

    /// A map of named objects, each read by `f` (after following its `$ref`s when `refs`).
    pub fn map_of<T>(
        &self,
        cx: &mut Cx<'s>,
        key: &str,
        what: &str,
        refs: bool,
        mut f: impl FnMut(&mut Cx<'s>, &str, &At<'s>, Option<Loc>) -> Option<T>,
    ) -> IndexMap<String, T> {
        let mut out = IndexMap::new();
        let Some(n) = self.get(key) else { return out };
        let Value::Object(members) = n.v else {
            cx.error(
                "invalid-type",
                &n.at,
                format!("`{key}` must be an object, found {}", kind(n.v)),
            );
            return out;
        };
        for (name, v) in members {
            let at = n.at.child(name);
            let node = At {
                v,
                at,
                merged: n.merged,
            };
            let item = if refs {
                read_via_ref(cx, &node, what, |cx, target, via| f(cx, name, target, via))
            } else {
                f(cx, name, &node, None)
            };
            if let Some(item) = item {
                out.insert(name.clone(), item);
            }
        }
        out
    }

    /// A list of objects, each read by `f` (after following its `$ref`s when `refs`).
    pub fn list_of<T>(
        &self,
        cx: &mut Cx<'s>,
        key: &str,
        what: &str,
        refs: bool,
        mut f: impl FnMut(&mut Cx<'s>, &At<'s>, Option<Loc>) -> Option<T>,
    ) -> Vec<T> {
        let Some(n) = self.get(key) else {
            return Vec::new();
        };
        let Value::Array(items) = n.v else {
            cx.error(
                "invalid-type",
                &n.at,
                format!("`{key}` must be an array, found {}", kind(n.v)),
            );
            return Vec::new();
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, v) in items.iter().enumerate() {
            let at = n.at.child(&i.to_string());
            let node = At {
                v,
                at,
                merged: n.merged,
            };
            let item = if refs {
                read_via_ref(cx, &node, what, &mut f)
            } else {
                f(cx, &node, None)
            };
            out.extend(item);
        }
        out
    }

    /// Warns about every field that is neither known nor an `x-` extension, and returns the
    /// extensions.
    pub fn finish(self, cx: &mut Cx<'s>) -> IndexMap<String, Value> {
        let mut ext = IndexMap::new();
        for (k, v) in self.map {
            if k.starts_with("x-") && self.no_extensions {
                cx.warn(
                    "unknown-field",
                    &self.field_at(k),
                    format!(
                        "{} does not allow extensions, so `{k}` is ignored",
                        self.what
                    ),
                    None,
                );
            } else if k.starts_with("x-") {
                ext.insert(k.clone(), v.clone());
            } else if !self.fields.contains(&k.as_str()) {
                let help = closest(k, self.fields).map(|c| format!("did you mean `{c}`?"));
                let valid = self
                    .fields
                    .iter()
                    .map(|f| format!("`{f}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                cx.warn(
                    "unknown-field",
                    &self.field_at(k),
                    format!(
                        "unknown field `{k}` in {} (valid fields: {valid}); it is ignored",
                        self.what
                    ),
                    help,
                );
            }
        }
        ext
    }
}

/// Follows `$ref`s from `node` and reads the target with `f`, guarding against cycles.
pub(crate) fn read_via_ref<'s, T>(
    cx: &mut Cx<'s>,
    node: &At<'s>,
    what: &str,
    mut f: impl FnMut(&mut Cx<'s>, &At<'s>, Option<Loc>) -> Option<T>,
) -> Option<T> {
    let (target, via) = cx.deref(node, what)?;
    match &via {
        Some(loc) => {
            if !cx.enter(loc, &node.at, what) {
                return None;
            }
            let out = f(cx, &target, via.clone());
            cx.leave();
            out
        }
        None => f(cx, &target, None),
    }
}

/// The valid name closest to a misspelt one, when it is close enough to be a typo.
pub(crate) fn closest<'f>(name: &str, valid: &[&'f str]) -> Option<&'f str> {
    let lower = name.to_ascii_lowercase();
    valid
        .iter()
        .map(|v| {
            (
                strsim::damerau_levenshtein(&lower, &v.to_ascii_lowercase()),
                *v,
            )
        })
        .filter(|(d, v)| *d <= 2.max(v.len() / 4) && *d < v.len())
        .min_by_key(|(d, v)| (*d, *v))
        .map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::closest;

    #[test]
    fn closest_finds_typos_only() {
        let fields = ["headers", "payload", "contentType", "correlationId"];
        assert_eq!(closest("header", &fields), Some("headers"));
        assert_eq!(closest("contenttype", &fields), Some("contentType"));
        assert_eq!(closest("payloda", &fields), Some("payload"));
        assert_eq!(closest("zzz", &fields), None);
    }
}
