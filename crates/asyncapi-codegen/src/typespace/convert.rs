//! A schema to a type, keyword by keyword: `type`, `const`, `enum`, formats and
//! constraints; objects and unions are in their own files.

use serde_json::Value;

use super::resolve::SchemaRef;
use super::{Docs, Kind, Newtype, StringEnum, Ty, TypeId, TypeSpace};
use crate::names::{self, Registry};

/// What a schema turned into: a type expression, or the kind of a named type to define.
pub(super) enum Shaped {
    Ty(Ty),
    Def(Kind),
}

impl Shaped {
    pub(super) fn option(self) -> Shaped {
        match self {
            Shaped::Ty(t) => Shaped::Ty(t.option()),
            // Callers wrap definitions through `shape`; a bare definition stays as it is.
            Shaped::Def(k) => Shaped::Def(k),
        }
    }
}

impl<'d> TypeSpace<'d> {
    pub(super) fn shape(&mut self, s: &SchemaRef<'d>, name: &str, named: Option<TypeId>) -> Shaped {
        let v = s.v;
        let map = match v {
            Value::Bool(true) => return Shaped::Ty(Ty::Value),
            Value::Bool(false) => {
                self.note(
                    &s.loc,
                    "schema `false` accepts nothing; typed as serde_json::Value".to_owned(),
                );
                return Shaped::Ty(Ty::Value);
            }
            Value::Object(map) => map,
            _ => {
                self.note(
                    &s.loc,
                    "a schema must be an object; typed as serde_json::Value".to_owned(),
                );
                return Shaped::Ty(Ty::Value);
            }
        };
        // `null` as one of several types, or OpenAPI `nullable`, makes the rest optional.
        let types: Vec<&str> = match map.get("type") {
            Some(Value::String(t)) => vec![t.as_str()],
            Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        let nullable = map.get("nullable") == Some(&Value::Bool(true))
            || (types.contains(&"null") && types.len() > 1)
            || map
                .get("enum")
                .and_then(Value::as_array)
                .is_some_and(|e| e.contains(&Value::Null) && e.len() > 1);
        let non_null: Vec<&str> = types.iter().copied().filter(|t| *t != "null").collect();
        let inner = self.shape_non_null(s, map, &non_null, name, named);
        if !nullable {
            return inner;
        }
        match inner {
            Shaped::Ty(t) => Shaped::Ty(t.option()),
            Shaped::Def(kind) => {
                // A nullable named schema: the type is the non-null shape, used as Option.
                let id = match named {
                    Some(id) => {
                        let inner_id = self.def(&format!("{name}Value"), s, kind, false);
                        self.defs[id].kind = Kind::Alias(Ty::Named(inner_id).option());
                        return Shaped::Def(self.defs[id].kind.clone());
                    }
                    None => self.def(name, s, kind, true),
                };
                Shaped::Ty(Ty::Named(id).option())
            }
        }
    }

    pub(super) fn shape_non_null(
        &mut self,
        s: &SchemaRef<'d>,
        map: &'d serde_json::Map<String, Value>,
        types: &[&str],
        name: &str,
        named: Option<TypeId>,
    ) -> Shaped {
        if map.contains_key("not") {
            let only_not = map.keys().all(|k| {
                matches!(
                    k.as_str(),
                    "not" | "description" | "title" | "examples" | "$id" | "$schema"
                )
            });
            self.note(
                &s.loc.child("not"),
                if only_not {
                    "`not` cannot be expressed as a Rust type; typed as serde_json::Value"
                        .to_owned()
                } else {
                    "`not` is not checked by the generated type; the rest of the schema is used"
                        .to_owned()
                },
            );
            if only_not {
                return Shaped::Ty(Ty::Value);
            }
        }
        for k in ["if", "then", "else"] {
            if map.contains_key(k) {
                self.note(
                    &s.loc.child(k),
                    format!("`{k}` is not checked by the generated type"),
                );
            }
        }
        if let Some(c) = map.get("const") {
            return self.constant(s, c, name);
        }
        if let Some(Value::Array(values)) = map.get("enum") {
            return self.enumeration(s, values, types, name);
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(Value::Array(branches)) = map.get(key) {
                if map.contains_key("properties") || map.contains_key("allOf") {
                    self.note(&s.loc.child(key), format!("properties next to `{key}` are ignored; each branch is typed on its own"));
                }
                return self.union(s, key, branches, name, named);
            }
        }
        if map.contains_key("allOf") {
            return self.all_of(s, name);
        }
        let ty = match types.first().copied() {
            Some(_) if types.len() > 1 => {
                self.note(
                    &s.loc.child("type"),
                    format!(
                        "several types ({}); typed as serde_json::Value",
                        types.join(", ")
                    ),
                );
                return Shaped::Ty(Ty::Value);
            }
            Some(t) => t,
            None if map.contains_key("properties")
                || map.contains_key("additionalProperties")
                || map.contains_key("patternProperties") =>
            {
                "object"
            }
            None if map.contains_key("items") => "array",
            None => return Shaped::Ty(Ty::Value),
        };
        match ty {
            "string" => self.string(s, map, name),
            "integer" => self.number(s, map, name, true),
            "number" => self.number(s, map, name, false),
            "boolean" => Shaped::Ty(Ty::Bool),
            "null" => Shaped::Ty(Ty::Unit),
            "array" => {
                let items = match map.get("items") {
                    Some(Value::Array(_)) => {
                        self.note(
                            &s.loc.child("items"),
                            "tuple `items` are typed as a list of serde_json::Value".to_owned(),
                        );
                        Ty::Value
                    }
                    Some(items) => {
                        let item = SchemaRef {
                            v: items,
                            loc: s.loc.child("items"),
                            stored: s.stored,
                        };
                        self.ty(item, &format!("{name}Item"))
                    }
                    None => Ty::Value,
                };
                Shaped::Ty(Ty::Vec(Box::new(items)))
            }
            "object" => self.object(s, name, None),
            other => {
                self.note(
                    &s.loc.child("type"),
                    format!("unknown type `{other}`; typed as serde_json::Value"),
                );
                Shaped::Ty(Ty::Value)
            }
        }
    }

    pub(super) fn constant(&mut self, s: &SchemaRef<'d>, c: &Value, name: &str) -> Shaped {
        match c {
            Value::String(text) => Shaped::Def(Kind::Enum(StringEnum {
                variants: vec![(names::pascal(text, "Value"), text.clone())],
                open: false,
            })),
            Value::Bool(_) => Shaped::Ty(Ty::Bool),
            Value::Number(n) if n.is_f64() => Shaped::Ty(Ty::Float("f64")),
            Value::Number(_) => Shaped::Ty(Ty::Int("i64")),
            Value::Null => Shaped::Ty(Ty::Unit),
            _ => {
                let _ = name;
                self.note(
                    &s.loc.child("const"),
                    "an object or array `const` is typed as serde_json::Value".to_owned(),
                );
                Shaped::Ty(Ty::Value)
            }
        }
    }

    pub(super) fn enumeration(
        &mut self,
        s: &SchemaRef<'d>,
        values: &[Value],
        types: &[&str],
        name: &str,
    ) -> Shaped {
        let non_null: Vec<&Value> = values.iter().filter(|v| !v.is_null()).collect();
        if !non_null.is_empty() && non_null.iter().all(|v| v.is_string()) {
            let mut used = Registry::default();
            if self.settings.open_enums {
                used.reserve(["Unknown"]);
            }
            let mut variants: Vec<(String, String)> = Vec::new();
            for v in &non_null {
                let wire = v.as_str().unwrap_or_default().to_owned();
                let base = names::pascal(&wire, "Empty");
                let variant = match used.claim(&base) {
                    Ok(n) => n,
                    Err(n) => {
                        let why = match variants.iter().find(|(r, _)| *r == base) {
                            Some((_, other)) => format!("as `{other}` is"),
                            None => "which is the variant for unknown values".to_owned(),
                        };
                        self.note(
                            &s.loc.child("enum"),
                            format!("enum value `{wire}` would be the variant `{base}`, {why}; it is `{n}`"),
                        );
                        n
                    }
                };
                if let Some(why) = names::naming_note("enum value", &wire, &variant) {
                    self.note(&s.loc.child("enum"), why);
                }
                variants.push((variant, wire));
            }
            let open = self.settings.open_enums && variants.len() > 1;
            return Shaped::Def(Kind::Enum(StringEnum { variants, open }));
        }
        if non_null.iter().all(|v| v.is_i64() || v.is_u64()) && !non_null.is_empty() {
            return Shaped::Ty(Ty::Int("i64"));
        }
        if non_null.iter().all(|v| v.is_number()) && !non_null.is_empty() {
            return Shaped::Ty(Ty::Float("f64"));
        }
        let _ = (types, name);
        self.note(
            &s.loc.child("enum"),
            "an `enum` of mixed or structured values is typed as serde_json::Value".to_owned(),
        );
        Shaped::Ty(Ty::Value)
    }

    pub(super) fn string(
        &mut self,
        s: &SchemaRef<'d>,
        map: &serde_json::Map<String, Value>,
        name: &str,
    ) -> Shaped {
        if self.settings.typed_formats {
            let typed = match map.get("format").and_then(Value::as_str) {
                Some("date-time") => Some(Ty::DateTime),
                Some("date") => Some(Ty::Date),
                Some("uuid") => Some(Ty::Uuid),
                Some("uri") => Some(Ty::Url),
                Some("ipv4") => Some(Ty::Ipv4),
                Some("ipv6") => Some(Ty::Ipv6),
                _ => None,
            };
            if let Some(t) = typed {
                match t {
                    Ty::DateTime | Ty::Date => self.uses.chrono = true,
                    Ty::Uuid => self.uses.uuid = true,
                    Ty::Url => self.uses.url = true,
                    _ => {}
                }
                return Shaped::Ty(t);
            }
        }
        if !self.settings.newtypes {
            return Shaped::Ty(Ty::String);
        }
        let mut nt = Newtype {
            inner: Some(Ty::String),
            min_length: map.get("minLength").and_then(Value::as_u64),
            max_length: map.get("maxLength").and_then(Value::as_u64),
            ..Newtype::default()
        };
        if let Some(p) = map.get("pattern").and_then(Value::as_str) {
            match regress::Regex::new(p) {
                Ok(_) => {
                    nt.pattern = Some(p.to_owned());
                }
                Err(e) => self.note(&s.loc.child("pattern"), format!("pattern is not a valid ECMA-262 regular expression ({e}); it is not checked")),
            }
        }
        if nt.pattern.is_none() && nt.min_length.is_none() && nt.max_length.is_none() {
            return Shaped::Ty(Ty::String);
        }
        let _ = name;
        Shaped::Def(Kind::Newtype(nt))
    }

    pub(super) fn number(
        &mut self,
        s: &SchemaRef<'d>,
        map: &serde_json::Map<String, Value>,
        name: &str,
        integer: bool,
    ) -> Shaped {
        let f = |k: &str| map.get(k).and_then(Value::as_f64);
        let minimum = f("minimum");
        let maximum = f("maximum");
        // Draft 06+ numbers; draft 04 / OpenAPI 3.0 booleans qualifying minimum/maximum.
        let (exclusive_minimum, exclusive_maximum) = (
            f("exclusiveMinimum").or_else(|| {
                (map.get("exclusiveMinimum") == Some(&Value::Bool(true)))
                    .then_some(minimum)
                    .flatten()
            }),
            f("exclusiveMaximum").or_else(|| {
                (map.get("exclusiveMaximum") == Some(&Value::Bool(true)))
                    .then_some(maximum)
                    .flatten()
            }),
        );
        let (minimum, maximum) = (
            if map.get("exclusiveMinimum") == Some(&Value::Bool(true)) {
                None
            } else {
                minimum
            },
            if map.get("exclusiveMaximum") == Some(&Value::Bool(true)) {
                None
            } else {
                maximum
            },
        );
        let multiple_of = f("multipleOf");
        let ty = if integer {
            Ty::Int(integer_type(
                map.get("format").and_then(Value::as_str),
                minimum.or(exclusive_minimum),
                maximum.or(exclusive_maximum),
            ))
        } else if map.get("format").and_then(Value::as_str) == Some("float") {
            Ty::Float("f32")
        } else {
            Ty::Float("f64")
        };
        // Bounds the Rust type already enforces need no newtype.
        let (lo, hi) = match &ty {
            Ty::Int(t) => int_range(t),
            _ => (f64::NEG_INFINITY, f64::INFINITY),
        };
        let needed = minimum.is_some_and(|m| m > lo)
            || maximum.is_some_and(|m| m < hi)
            || exclusive_minimum.is_some()
            || exclusive_maximum.is_some()
            || multiple_of.is_some_and(|m| !(integer && m == 1.0));
        if !self.settings.newtypes || !needed {
            return Shaped::Ty(ty);
        }
        let _ = (s, name);
        Shaped::Def(Kind::Newtype(Newtype {
            inner: Some(ty),
            minimum: minimum.filter(|m| *m > lo),
            maximum: maximum.filter(|m| *m < hi),
            exclusive_minimum,
            exclusive_maximum,
            multiple_of,
            ..Newtype::default()
        }))
    }
}

pub(super) fn docs_of(v: &Value) -> Docs {
    let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
    let mut examples: Vec<Value> = v
        .get("examples")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if let Some(e) = v.get("example") {
        examples.push(e.clone());
    }
    Docs {
        title: s("title"),
        description: s("description"),
        default: v.get("default").cloned(),
        examples,
        deprecated: v.get("deprecated") == Some(&Value::Bool(true)),
    }
}

fn integer_type(format: Option<&str>, min: Option<f64>, max: Option<f64>) -> &'static str {
    match format {
        Some("int8") => return "i8",
        Some("int16") => return "i16",
        Some("int32") => return "i32",
        Some("int64") if min.is_none_or(|m| m < 0.0) => return "i64",
        Some("uint8") => return "u8",
        Some("uint16") => return "u16",
        Some("uint32") => return "u32",
        Some("uint64") => return "u64",
        _ => {}
    }
    match (min, max) {
        (Some(lo), hi) if lo >= 0.0 => match hi {
            Some(h) if h <= f64::from(u8::MAX) => "u8",
            Some(h) if h <= f64::from(u16::MAX) => "u16",
            Some(h) if h <= f64::from(u32::MAX) => "u32",
            _ => "u64",
        },
        (Some(lo), Some(hi)) if lo >= f64::from(i32::MIN) && hi <= f64::from(i32::MAX) => "i32",
        _ => "i64",
    }
}

pub(super) fn int_range(t: &str) -> (f64, f64) {
    match t {
        "i8" => (f64::from(i8::MIN), f64::from(i8::MAX)),
        "i16" => (f64::from(i16::MIN), f64::from(i16::MAX)),
        "i32" => (f64::from(i32::MIN), f64::from(i32::MAX)),
        "u8" => (0.0, f64::from(u8::MAX)),
        "u16" => (0.0, f64::from(u16::MAX)),
        "u32" => (0.0, f64::from(u32::MAX)),
        "u64" => (0.0, u64::MAX as f64),
        _ => (i64::MIN as f64, i64::MAX as f64),
    }
}
