//! JSON Schema to Rust types.
//!
//! Every schema the generator needs a type for goes through [`TypeSpace::ty`]. Types live in
//! an arena ([`TypeSpace::defs`]); a schema location reached through a `$ref` always becomes a
//! named type (reserved before its parts are built, so recursive schemas terminate), and a
//! memo keyed by location makes a schema used twice one type. Nothing here panics on a bad
//! schema: what cannot be typed becomes `serde_json::Value` with a note naming the pointer.

use std::collections::{BTreeSet, HashMap};

use asyncapi_model::{Document, Loc, pointer};
use indexmap::IndexMap;
use serde_json::Value;

use crate::Note;
use crate::names::{self, Registry};

/// How schemas become types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeSettings {
    /// Map `date-time`, `date`, `uuid`, `uri`, `ipv4`, `ipv6` to chrono, uuid, url, std::net.
    pub typed_formats: bool,
    /// String enums get an `Unknown(String)` variant so new values do not break consumers.
    pub open_enums: bool,
    /// Constrained strings and numbers become validating newtypes.
    pub newtypes: bool,
    /// Objects that do not forbid other properties keep unknown ones in a flattened map, so a
    /// message round-trips unchanged.
    pub lossless: bool,
}

impl Default for TypeSettings {
    fn default() -> Self {
        TypeSettings {
            typed_formats: true,
            open_enums: true,
            newtypes: true,
            lossless: true,
        }
    }
}

/// A Rust type expression.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Ty {
    Named(usize),
    String,
    Bool,
    Int(&'static str),
    Float(&'static str),
    DateTime,
    Date,
    Uuid,
    Url,
    Ipv4,
    Ipv6,
    /// Any JSON.
    Value,
    /// JSON `null`.
    Unit,
    Vec(Box<Ty>),
    /// A map with string keys.
    Map(Box<Ty>),
    Option(Box<Ty>),
}

impl Ty {
    fn option(self) -> Ty {
        match self {
            Ty::Option(_) | Ty::Value | Ty::Unit => self,
            other => Ty::Option(Box::new(other)),
        }
    }
}

/// Doc text of a type or field.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Docs {
    pub title: Option<String>,
    pub description: Option<String>,
    pub default: Option<Value>,
    pub examples: Vec<Value>,
    pub deprecated: bool,
}

#[derive(Debug, Clone)]
pub struct TypeDef {
    pub name: String,
    pub docs: Docs,
    pub kind: Kind,
    /// Where the schema is, for messages.
    pub origin: String,
}

#[derive(Debug, Clone)]
pub enum Kind {
    /// Being built (only seen while recursing).
    Pending,
    Struct(Struct),
    Enum(StringEnum),
    Tagged(Tagged),
    Untagged(Vec<Variant>),
    Newtype(Newtype),
    Alias(Ty),
    /// An alias that refers to itself (`Tree = Vec<Tree>`), which Rust type aliases cannot:
    /// a transparent tuple struct. Set by [`TypeSpace::finish`].
    Wrapper(Ty),
}

#[derive(Debug, Clone)]
pub struct Struct {
    pub fields: Vec<Field>,
    pub deny_unknown: bool,
    /// Value type of the flattened map of other properties.
    pub extra: Option<Ty>,
}

#[derive(Debug, Clone)]
pub struct Field {
    pub name: String,
    pub wire: String,
    pub ty: Ty,
    pub required: bool,
    pub docs: Docs,
    /// Set by [`TypeSpace::finish`] where the field's type contains the struct.
    pub boxed: bool,
}

#[derive(Debug, Clone)]
pub struct StringEnum {
    /// `(Rust variant, wire value)`.
    pub variants: Vec<(String, String)>,
    pub open: bool,
}

#[derive(Debug, Clone)]
pub struct Tagged {
    pub tag: String,
    pub variants: Vec<TaggedVariant>,
}

#[derive(Debug, Clone)]
pub struct TaggedVariant {
    pub name: String,
    pub wire: String,
    /// The variant's body struct (the tag removed), or `None` when it has no other field.
    pub body: Option<usize>,
    pub boxed: bool,
}

#[derive(Debug, Clone)]
pub struct Variant {
    pub name: String,
    pub ty: Ty,
    pub boxed: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Newtype {
    pub inner: Option<Ty>,
    pub pattern: Option<String>,
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    pub minimum: Option<f64>,
    pub maximum: Option<f64>,
    pub exclusive_minimum: Option<f64>,
    pub exclusive_maximum: Option<f64>,
    pub multiple_of: Option<f64>,
}

/// Which optional crates the emitted types need.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Uses {
    pub chrono: bool,
    pub uuid: bool,
    pub url: bool,
}

/// A schema and where it is.
#[derive(Debug, Clone)]
pub struct S<'d> {
    pub v: &'d Value,
    pub loc: Loc,
    /// The value is in the store at `loc` (not a value made by merging traits).
    pub stored: bool,
}

/// An object schema with its `allOf`s folded in.
struct ObjView<'d> {
    props: IndexMap<String, S<'d>>,
    required: BTreeSet<String>,
    additional: Additional<'d>,
    pattern: Vec<S<'d>>,
}

enum Additional<'d> {
    Absent,
    Allowed,
    Forbidden,
    Schema(S<'d>),
}

#[derive(Debug)]
pub struct TypeSpace<'d> {
    doc: &'d Document,
    pub settings: TypeSettings,
    pub defs: Vec<TypeDef>,
    memo: HashMap<(Loc, Option<String>), Ty>,
    names: Registry,
    /// The names reserved for component schemas that no type has taken yet, by location
    /// (several components can be one schema), in document order.
    components: HashMap<Loc, Vec<String>>,
    pub notes: Vec<Note>,
    pub uses: Uses,
    /// Schemas made by the generator (Avro schemas as JSON Schema), by virtual file id.
    virtual_docs: Vec<(&'d Value, String)>,
}

/// File ids from here on are [`TypeSpace::add_virtual`] documents, not files of the store.
const VIRTUAL_BASE: u32 = 1 << 30;

const MAX_REF_CHAIN: usize = 64;

impl<'d> TypeSpace<'d> {
    pub fn new(doc: &'d Document, settings: TypeSettings, reserved: &[&str]) -> Self {
        let mut names = Registry::default();
        names.reserve(reserved);
        TypeSpace {
            doc,
            settings,
            defs: Vec::new(),
            memo: HashMap::new(),
            names,
            components: HashMap::new(),
            notes: Vec::new(),
            uses: Uses::default(),
            virtual_docs: Vec::new(),
        }
    }

    /// A strict string enum made by the generator (3.x parameter `enum`s are not schemas).
    pub(crate) fn string_enum(&mut self, hint: &str, values: &[String], at: &Loc) -> Ty {
        let name = self.claim_name(&names::pascal(hint, "Value"), at);
        let mut used = BTreeSet::new();
        let variants = values
            .iter()
            .map(|v| {
                let base = names::pascal(v, "Empty");
                let mut ident = base.clone();
                let mut n = 2;
                while !used.insert(ident.clone()) {
                    ident = suffixed(&base, n);
                    n += 1;
                }
                (ident, v.clone())
            })
            .collect();
        self.defs.push(TypeDef {
            name,
            docs: Docs::default(),
            kind: Kind::Enum(StringEnum {
                variants,
                open: false,
            }),
            origin: self.describe(at),
        });
        Ty::Named(self.defs.len() - 1)
    }

    /// A name for a message struct: the message's own name, else with `Message` appended
    /// when a schema type already has it, else with a numeric suffix.
    pub(crate) fn claim_message_name(&mut self, base: &str, at: &Loc) -> String {
        if self.names.is_taken(base) && !self.names.is_taken(&format!("{base}Message")) {
            return self.claim_name(&format!("{base}Message"), at);
        }
        self.claim_name(base, at)
    }

    /// A unique type name for something the generator defines itself (message structs,
    /// parameter structs) at `at`, reported like any other renaming.
    pub(crate) fn claim_name(&mut self, base: &str, at: &Loc) -> String {
        match self.names.claim(base) {
            Ok(n) => n,
            Err(n) => {
                self.note(
                    at,
                    format!("the name `{base}` is taken by another type; `{n}` is used instead"),
                );
                n
            }
        }
    }

    fn note(&mut self, loc: &Loc, message: String) {
        self.notes.push(Note {
            at: self.describe(loc),
            message,
        });
    }

    /// The schema a model [`asyncapi_model::Schema`] stands for.
    pub fn schema(&self, schema: &'d asyncapi_model::Schema) -> Option<S<'d>> {
        match &schema.merged {
            Some(v) => Some(S {
                v,
                loc: schema.at.clone(),
                stored: false,
            }),
            None => self.doc.store.get(&schema.at).map(|v| S {
                v,
                loc: schema.at.clone(),
                stored: true,
            }),
        }
    }

    /// Adds a schema document the generator made (e.g. from Avro); `label` names it in
    /// docs and notes. Refs inside it must be local (`#/...`).
    pub(crate) fn add_virtual(&mut self, root: &'d Value, label: String) -> S<'d> {
        let file = asyncapi_model::FileId(VIRTUAL_BASE + self.virtual_docs.len() as u32);
        self.virtual_docs.push((root, label));
        S {
            v: root,
            loc: Loc::new(file, ""),
            stored: true,
        }
    }

    fn virtual_doc(&self, loc: &Loc) -> Option<&(&'d Value, String)> {
        loc.file
            .0
            .checked_sub(VIRTUAL_BASE)
            .and_then(|i| self.virtual_docs.get(i as usize))
    }

    fn file_path(&self, loc: &Loc) -> std::path::PathBuf {
        match self.virtual_doc(loc) {
            Some((_, label)) => std::path::PathBuf::from(label),
            None => self.doc.store.file(loc.file).path.clone(),
        }
    }

    /// A location as `file#pointer` for docs and notes.
    pub(crate) fn describe(&self, loc: &Loc) -> String {
        match self.virtual_doc(loc) {
            Some((_, label)) => format!("{label}#{}", loc.pointer),
            None => crate::describe(self.doc, loc),
        }
    }

    fn resolve(&self, from: &Loc, reference: &str) -> Result<S<'d>, String> {
        if let Some((root, label)) = self.virtual_doc(from) {
            let ptr = reference
                .strip_prefix('#')
                .ok_or_else(|| format!("`{reference}` in {label} is not a local reference"))?;
            let ptr = percent_decode(ptr);
            let v = pointer::get(root, &ptr)
                .map_err(|_| format!("`{reference}` points at nothing in {label}"))?;
            return Ok(S {
                v,
                loc: Loc::new(from.file, ptr),
                stored: true,
            });
        }
        let target = self
            .doc
            .store
            .resolve(from.file, reference)
            .map_err(|e| e.to_string())?;
        let v = self
            .doc
            .store
            .get(&target)
            .ok_or_else(|| format!("`{reference}` points at nothing"))?;
        Ok(S {
            v,
            loc: target,
            stored: true,
        })
    }

    /// Follows `$ref`s; the name hint becomes the name of the last target.
    fn deref(&mut self, mut s: S<'d>, hint: &mut String) -> Option<(S<'d>, bool)> {
        let mut via_ref = false;
        for _ in 0..MAX_REF_CHAIN {
            let Some(r) = s.v.get("$ref").and_then(Value::as_str) else {
                return Some((s, via_ref));
            };
            match self.resolve(&s.loc, r) {
                Ok(t) => {
                    if let Some(n) = name_of_location(&self.file_path(&t.loc), &t.loc.pointer) {
                        *hint = n;
                    }
                    via_ref = true;
                    s = t;
                }
                Err(e) => {
                    self.note(
                        &s.loc,
                        format!(
                            "cannot follow `$ref`: {e}; the value is typed as serde_json::Value"
                        ),
                    );
                    return None;
                }
            }
        }
        self.note(
            &s.loc,
            "`$ref` chain is too long or loops; typed as serde_json::Value".to_owned(),
        );
        None
    }

    /// The type of a schema. `hint` is the name to use if the schema needs a named type.
    pub fn ty(&mut self, s: S<'d>, hint: &str) -> Ty {
        let mut hint = hint.to_owned();
        let Some((s, via_ref)) = self.deref(s, &mut hint) else {
            return Ty::Value;
        };
        let key = (s.loc.clone(), None);
        if s.stored {
            if let Some(t) = self.memo.get(&key) {
                return t.clone();
            }
        }
        if via_ref {
            // A ref target is always a named type, reserved before its parts are typed.
            let id = self.reserve(&hint, &s, true);
            self.memo.insert(key, Ty::Named(id));
            let kind = match self.shape(&s, &self.defs[id].name.clone(), Some(id)) {
                Shaped::Def(kind) => kind,
                Shaped::Ty(t) => Kind::Alias(t),
            };
            self.defs[id].kind = kind;
            return Ty::Named(id);
        }
        let shaped = self.shape(&s, &hint, None);
        if s.stored {
            // A recursive schema reached itself through a `$ref` while being shaped, and so
            // is already a named type: it stays one type.
            if let Some(t) = self.memo.get(&key) {
                return t.clone();
            }
        }
        let t = match shaped {
            Shaped::Ty(t) => t,
            Shaped::Def(kind) => {
                let id = self.reserve(&hint, &s, true);
                self.defs[id].kind = kind;
                Ty::Named(id)
            }
        };
        if s.stored {
            self.memo.insert(key, t.clone());
        }
        t
    }

    /// Claims the names of the component schemas (`(name, location)`), in document order,
    /// before any schema is typed: a component keeps its name even when an inline schema met
    /// earlier (a property of another component) would be named the same.
    pub(crate) fn reserve_component_names(&mut self, components: &[(String, Loc)]) {
        for (hint, loc) in components {
            let base = names::pascal(hint, "Type");
            let name = match self.names.claim(&base) {
                Ok(n) => n,
                Err(n) => {
                    self.note(
                        loc,
                        format!(
                            "another type is already named `{base}`; this schema is named `{n}`"
                        ),
                    );
                    n
                }
            };
            self.components.entry(loc.clone()).or_default().push(name);
        }
    }

    /// Types a component schema. Like the target of a `$ref`, it is a named type: a
    /// component that is a map, a list, a primitive or another type is an alias of it.
    pub(crate) fn component(&mut self, s: S<'d>, hint: &str) {
        let loc = s.loc.clone();
        let t = self.ty(s.clone(), hint);
        // Unless a type took the component's name, it was typed as an unnamed type.
        if !s.stored || self.components.get(&loc).is_none_or(Vec::is_empty) {
            return;
        }
        let id = self.def(hint, &s, Kind::Alias(t), true);
        self.memo.insert((loc, None), Ty::Named(id));
    }

    /// A new named type for the schema `s`. The type of the schema itself (`primary`, not a
    /// part made from it) takes the name reserved for it as a component.
    fn reserve(&mut self, hint: &str, s: &S<'d>, primary: bool) -> usize {
        let base = names::pascal(hint, "Type");
        let reserved = match self.components.get_mut(&s.loc) {
            Some(names) if primary && !names.is_empty() => Some(names.remove(0)),
            _ => None,
        };
        let name = match reserved.map(Ok).unwrap_or_else(|| self.names.claim(&base)) {
            Ok(n) => n,
            Err(n) => {
                self.note(
                    &s.loc,
                    format!("another type is already named `{base}`; this schema is named `{n}`"),
                );
                n
            }
        };
        self.defs.push(TypeDef {
            name,
            docs: docs_of(s.v),
            kind: Kind::Pending,
            origin: self.describe(&s.loc),
        });
        self.defs.len() - 1
    }

    /// Registers a named type whose kind the caller sets.
    fn def(&mut self, hint: &str, s: &S<'d>, kind: Kind, primary: bool) -> usize {
        let id = self.reserve(hint, s, primary);
        self.defs[id].kind = kind;
        id
    }

    fn shape(&mut self, s: &S<'d>, name: &str, named: Option<usize>) -> Shaped {
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

    fn shape_non_null(
        &mut self,
        s: &S<'d>,
        map: &'d serde_json::Map<String, Value>,
        types: &[&str],
        name: &str,
        named: Option<usize>,
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
                        let item = S {
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

    fn constant(&mut self, s: &S<'d>, c: &Value, name: &str) -> Shaped {
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

    fn enumeration(&mut self, s: &S<'d>, values: &[Value], types: &[&str], name: &str) -> Shaped {
        let non_null: Vec<&Value> = values.iter().filter(|v| !v.is_null()).collect();
        if !non_null.is_empty() && non_null.iter().all(|v| v.is_string()) {
            let mut variants: Vec<(String, String)> = Vec::new();
            let mut used = BTreeSet::new();
            for v in non_null {
                let wire = v.as_str().unwrap_or_default().to_owned();
                let base = names::pascal(&wire, "Empty");
                let mut ident = base.clone();
                let mut n = 2;
                while !used.insert(ident.clone())
                    || (self.settings.open_enums && ident == "Unknown")
                {
                    ident = suffixed(&base, n);
                    n += 1;
                }
                variants.push((ident, wire));
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

    fn string(&mut self, s: &S<'d>, map: &serde_json::Map<String, Value>, name: &str) -> Shaped {
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

    fn number(
        &mut self,
        s: &S<'d>,
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

    /// Folds `allOf` (nested, through refs) into one object view.
    fn obj_view(&mut self, s: &S<'d>, depth: usize) -> ObjView<'d> {
        let mut view = ObjView {
            props: IndexMap::new(),
            required: BTreeSet::new(),
            additional: Additional::Absent,
            pattern: Vec::new(),
        };
        let Value::Object(map) = s.v else { return view };
        if let Some(Value::Object(props)) = map.get("properties") {
            let at = s.loc.child("properties");
            for (k, v) in props {
                view.props.insert(
                    k.clone(),
                    S {
                        v,
                        loc: at.child(k),
                        stored: s.stored,
                    },
                );
            }
        }
        if let Some(Value::Array(req)) = map.get("required") {
            view.required
                .extend(req.iter().filter_map(Value::as_str).map(str::to_owned));
        }
        view.additional = match map.get("additionalProperties") {
            None => Additional::Absent,
            Some(Value::Bool(true)) => Additional::Allowed,
            Some(Value::Bool(false)) => Additional::Forbidden,
            Some(Value::Object(o)) if o.is_empty() => Additional::Allowed,
            Some(v) => Additional::Schema(S {
                v,
                loc: s.loc.child("additionalProperties"),
                stored: s.stored,
            }),
        };
        if let Some(Value::Object(pp)) = map.get("patternProperties") {
            let at = s.loc.child("patternProperties");
            for (k, v) in pp {
                view.pattern.push(S {
                    v,
                    loc: at.child(k),
                    stored: s.stored,
                });
            }
        }
        if depth < MAX_REF_CHAIN {
            if let Some(Value::Array(branches)) = map.get("allOf") {
                let at = s.loc.child("allOf");
                for (i, b) in branches.iter().enumerate() {
                    let mut hint = String::new();
                    let Some((b, _)) = self.deref(
                        S {
                            v: b,
                            loc: at.child(&i.to_string()),
                            stored: s.stored,
                        },
                        &mut hint,
                    ) else {
                        continue;
                    };
                    let sub = self.obj_view(&b, depth + 1);
                    for (k, p) in sub.props {
                        view.props.entry(k).or_insert(p);
                    }
                    view.required.extend(sub.required);
                    view.pattern.extend(sub.pattern);
                    if matches!(view.additional, Additional::Absent) {
                        view.additional = match sub.additional {
                            // A closed branch of an `allOf` would reject the other branches'
                            // properties; authors mean the merged object.
                            Additional::Forbidden => Additional::Absent,
                            other => other,
                        };
                    }
                }
            }
        }
        view
    }

    fn all_of(&mut self, s: &S<'d>, name: &str) -> Shaped {
        // `allOf: [$ref]` with nothing of its own is the referenced type, not a copy of it;
        // so is `allOf: [$ref, {description: ...}]`, the usual way to document a use of it.
        let own_parts = [
            "properties",
            "required",
            "additionalProperties",
            "patternProperties",
        ]
        .iter()
        .any(|k| s.v.get(k).is_some());
        if let Some(Value::Array(branches)) = s.v.get("allOf") {
            let typed: Vec<(usize, &'d Value)> = branches
                .iter()
                .enumerate()
                .filter(|(_, b)| !is_annotation_only(b))
                .collect();
            if let [(i, b)] = typed.as_slice() {
                if !own_parts && b.get("$ref").is_some() {
                    let b = S {
                        v: b,
                        loc: s.loc.child("allOf").child(&i.to_string()),
                        stored: s.stored,
                    };
                    return Shaped::Ty(self.ty(b, name));
                }
            }
        }
        let view = self.obj_view(s, 0);
        if view.props.is_empty()
            && view.pattern.is_empty()
            && matches!(view.additional, Additional::Absent)
        {
            // No object parts: a single ref-like branch is that branch's type.
            if let Some(Value::Array(branches)) = s.v.get("allOf") {
                if branches.len() == 1 {
                    let b = S {
                        v: &branches[0],
                        loc: s.loc.child("allOf").child("0"),
                        stored: s.stored,
                    };
                    return Shaped::Ty(self.ty(b, name));
                }
            }
            self.note(
                &s.loc.child("allOf"),
                "an `allOf` without object parts is typed as serde_json::Value".to_owned(),
            );
            return Shaped::Ty(Ty::Value);
        }
        self.object_from_view(s, name, view, None)
    }

    fn object(&mut self, s: &S<'d>, name: &str, exclude: Option<&str>) -> Shaped {
        let view = self.obj_view(s, 0);
        if view.props.is_empty()
            && exclude.is_none()
            && matches!(view.additional, Additional::Forbidden)
            && view.pattern.is_empty()
        {
            // `{type: object, additionalProperties: false}`: only `{}`.
            return Shaped::Def(Kind::Struct(Struct {
                fields: Vec::new(),
                deny_unknown: true,
                extra: None,
            }));
        }
        if view.props.is_empty() && exclude.is_none() {
            // A map, not a struct.
            let value = match (&view.additional, view.pattern.as_slice()) {
                (Additional::Schema(a), []) => self.ty(a.clone(), &format!("{name}Value")),
                (Additional::Absent | Additional::Allowed, [p]) => {
                    self.ty(p.clone(), &format!("{name}Value"))
                }
                _ => Ty::Value,
            };
            return Shaped::Ty(Ty::Map(Box::new(value)));
        }
        self.object_from_view(s, name, view, exclude)
    }

    fn object_from_view(
        &mut self,
        s: &S<'d>,
        name: &str,
        view: ObjView<'d>,
        exclude: Option<&str>,
    ) -> Shaped {
        let mut fields = Vec::new();
        let mut used = BTreeSet::new();
        for (wire, p) in &view.props {
            if Some(wire.as_str()) == exclude {
                continue;
            }
            let base = names::snake(wire, "field");
            let mut field_name = base.clone();
            let mut n = 2;
            while !used.insert(field_name.clone()) || field_name == "additional_properties" {
                field_name = format!("{base}_{n}");
                n += 1;
            }
            let required = view.required.contains(wire);
            let ty = self.ty(
                p.clone(),
                &format!("{name}{}", names::pascal(wire, "Field")),
            );
            let ty = if required { ty } else { ty.option() };
            let mut docs = docs_of(p.v);
            // A `default` is documented on the field; one the field's type cannot hold is
            // reported and left out rather than documented wrongly.
            if let Some(d) = &docs.default {
                if !self.fits(&ty, d, 0) {
                    self.note(&p.loc.child("default"), format!("default `{d}` does not fit the type of `{wire}`; it is left out of the docs"));
                    docs.default = None;
                }
            }
            fields.push(Field {
                name: field_name,
                wire: wire.clone(),
                ty,
                required,
                docs,
                boxed: false,
            });
        }
        for r in &view.required {
            if !view.props.contains_key(r) && Some(r.as_str()) != exclude {
                self.note(
                    &s.loc.child("required"),
                    format!("required property `{r}` has no schema; it is not a field of its own"),
                );
            }
        }
        let (deny_unknown, extra) = match &view.additional {
            Additional::Forbidden if view.pattern.is_empty() => (true, None),
            Additional::Schema(a) => (false, Some(self.ty(a.clone(), &format!("{name}Value")))),
            _ if !view.pattern.is_empty() => {
                let t = match view.pattern.as_slice() {
                    [p] => self.ty(p.clone(), &format!("{name}Value")),
                    _ => Ty::Value,
                };
                (false, Some(t))
            }
            _ if self.settings.lossless => (false, Some(Ty::Value)),
            _ => (false, None),
        };
        Shaped::Def(Kind::Struct(Struct {
            fields,
            deny_unknown,
            extra,
        }))
    }

    fn union(
        &mut self,
        s: &S<'d>,
        key: &str,
        branches: &'d [Value],
        name: &str,
        named: Option<usize>,
    ) -> Shaped {
        let at = s.loc.child(key);
        let mut resolved: Vec<(S<'d>, String, bool)> = Vec::new();
        let mut nullable = false;
        for (i, b) in branches.iter().enumerate() {
            let mut hint = String::new();
            let raw = S {
                v: b,
                loc: at.child(&i.to_string()),
                stored: s.stored,
            };
            let Some((t, via_ref)) = self.deref(raw.clone(), &mut hint) else {
                resolved.push((raw, format!("{name}Variant{}", i + 1), false));
                continue;
            };
            if t.v.get("type") == Some(&Value::String("null".into())) {
                nullable = true;
                continue;
            }
            let hint = if via_ref {
                hint
            } else if let Some(title) =
                t.v.get("title")
                    .and_then(Value::as_str)
                    .filter(|t| t.split_whitespace().count() <= 4)
            {
                title.to_owned()
            } else {
                format!("{name}Variant{}", i + 1)
            };
            resolved.push((if via_ref { t } else { raw }, hint, via_ref));
        }
        let wrap = |t: Shaped| if nullable { t.option() } else { t };
        if resolved.len() == 1 {
            let (b, hint, _) = resolved.remove(0);
            let t = self.ty(b, &hint);
            return wrap(Shaped::Ty(t));
        }
        if resolved.is_empty() {
            return Shaped::Ty(Ty::Unit);
        }
        if let Some(tag) = self.find_tag(s, &resolved) {
            return wrap(self.tagged(&tag, &resolved, name));
        }
        if key == "anyOf" {
            self.note(&at, "`anyOf` branches are not mutually exclusive; the generated enum takes the first branch that deserializes".to_owned());
        }
        let mut variants: Vec<Variant> = Vec::new();
        let mut used = BTreeSet::new();
        for (b, hint, _) in resolved {
            let ty = self.ty(b, &hint);
            let base = match &ty {
                Ty::Named(id) => {
                    let n = self.defs[*id].name.clone();
                    n.strip_prefix(name)
                        .filter(|r| !r.is_empty() && !r.starts_with(|c: char| c.is_ascii_digit()))
                        .map(str::to_owned)
                        .unwrap_or(n)
                }
                other => primitive_name(other).to_owned(),
            };
            let mut vname = base.clone();
            let mut n = 2;
            while !used.insert(vname.clone()) {
                vname = suffixed(&base, n);
                n += 1;
            }
            variants.push(Variant {
                name: vname,
                ty,
                boxed: false,
            });
        }
        let _ = named;
        wrap(Shaped::Def(Kind::Untagged(variants)))
    }

    /// The property that tells the branches of a union apart: the `discriminator`, or a
    /// property every branch requires with a distinct `const` (or one-value `enum`) string.
    fn find_tag(&mut self, s: &S<'d>, branches: &[(S<'d>, String, bool)]) -> Option<String> {
        let views: Vec<ObjView<'d>> = branches
            .iter()
            .map(|(b, _, _)| self.obj_view(b, 0))
            .collect();
        if views.iter().any(|v| v.props.is_empty()) {
            return None;
        }
        let declared = match s.v.get("discriminator") {
            Some(Value::String(p)) => Some(p.clone()),
            Some(Value::Object(o)) => o
                .get("propertyName")
                .and_then(Value::as_str)
                .map(str::to_owned),
            _ => None,
        };
        let candidates: Vec<String> = match declared {
            Some(p) => vec![p],
            None => views[0].props.keys().cloned().collect(),
        };
        'candidates: for c in candidates {
            let mut seen = BTreeSet::new();
            for v in &views {
                let Some(p) = v.props.get(&c) else {
                    continue 'candidates;
                };
                let Some(value) = const_string(p.v) else {
                    continue 'candidates;
                };
                if !v.required.contains(&c) || !seen.insert(value) {
                    continue 'candidates;
                }
            }
            return Some(c);
        }
        None
    }

    fn tagged(&mut self, tag: &str, branches: &[(S<'d>, String, bool)], name: &str) -> Shaped {
        let mut variants = Vec::new();
        let mut used = BTreeSet::new();
        for (b, _, _) in branches {
            let view = self.obj_view(b, 0);
            let wire = view
                .props
                .get(tag)
                .and_then(|p| const_string(p.v))
                .unwrap_or_default();
            let base = names::pascal(&wire, "Variant");
            let mut vname = base.clone();
            let mut n = 2;
            while !used.insert(vname.clone()) {
                vname = suffixed(&base, n);
                n += 1;
            }
            // A branch with nothing but the tag is a unit variant, unless its body has to
            // keep other properties (lossless objects) or reject them (closed objects).
            let has_body = view.props.keys().any(|k| k != tag)
                || !view.pattern.is_empty()
                || match view.additional {
                    Additional::Forbidden | Additional::Schema(_) => true,
                    Additional::Absent | Additional::Allowed => self.settings.lossless,
                };
            // The body is not the branch (it lacks the tag), so it does not take the
            // branch's name, which a `$ref`'d branch keeps for itself: it is named after the
            // enum and the variant.
            let hint = &format!("{name}{vname}");
            let body = if has_body {
                let key = (b.loc.clone(), Some(tag.to_owned()));
                match self.memo.get(&key) {
                    Some(Ty::Named(id)) => Some(*id),
                    _ => {
                        let kind = match self.object_from_view(b, hint, view, Some(tag)) {
                            Shaped::Def(k) => k,
                            Shaped::Ty(_) => Kind::Struct(Struct {
                                fields: Vec::new(),
                                deny_unknown: false,
                                extra: None,
                            }),
                        };
                        let id = self.def(hint, b, kind, false);
                        if b.stored {
                            self.memo.insert(key, Ty::Named(id));
                        }
                        Some(id)
                    }
                }
            } else {
                None
            };
            variants.push(TaggedVariant {
                name: vname,
                wire,
                body,
                boxed: false,
            });
        }
        Shaped::Def(Kind::Tagged(Tagged {
            tag: tag.to_owned(),
            variants,
        }))
    }

    /// The `const` properties that identify values of this schema: one list per alternative
    /// (`oneOf`/`anyOf` branch), each of `(JSON pointer, value)`. Empty when some alternative
    /// has none, since then nothing is sure to identify it. Payloads use only required
    /// properties (an absent one rules a message out); headers use all (an absent header
    /// says nothing).
    pub(crate) fn const_alternatives(
        &mut self,
        s: S<'d>,
        required_only: bool,
    ) -> Vec<Vec<(String, Value)>> {
        let mut hint = String::new();
        let Some((s, _)) = self.deref(s, &mut hint) else {
            return Vec::new();
        };
        let branches: Option<&'d Vec<Value>> =
            s.v.get("oneOf")
                .or_else(|| s.v.get("anyOf"))
                .and_then(Value::as_array);
        let mut alternatives = Vec::new();
        let bodies: Vec<S<'d>> = match branches {
            Some(bs) => {
                let key = if s.v.get("oneOf").is_some() {
                    "oneOf"
                } else {
                    "anyOf"
                };
                bs.iter()
                    .enumerate()
                    .map(|(i, b)| S {
                        v: b,
                        loc: s.loc.child(key).child(&i.to_string()),
                        stored: s.stored,
                    })
                    .collect()
            }
            None => vec![s],
        };
        for b in bodies {
            let mut hint = String::new();
            let Some((b, _)) = self.deref(b, &mut hint) else {
                return Vec::new();
            };
            if b.v.get("type") == Some(&Value::String("null".into())) {
                continue;
            }
            let view = self.obj_view(&b, 0);
            let consts: Vec<(String, Value)> = view
                .props
                .iter()
                .filter(|(k, _)| !required_only || view.required.contains(*k))
                .filter_map(|(k, p)| {
                    let mut hint = String::new();
                    let (p, _) = self.deref(p.clone(), &mut hint)?;
                    let c = p.v.get("const").cloned().or_else(|| {
                        p.v.get("enum")
                            .and_then(Value::as_array)
                            .filter(|e| e.len() == 1)
                            .map(|e| e[0].clone())
                    })?;
                    Some((pointer::push("", k), c))
                })
                .collect();
            if consts.is_empty() {
                return Vec::new();
            }
            alternatives.push(consts);
        }
        alternatives
    }

    /// Each top-level property of an object schema with the JSON type its text is read as
    /// (`string`, `integer`, `number`, `boolean`, `json`).
    pub(crate) fn property_kinds(&mut self, s: S<'d>) -> Vec<(String, &'static str)> {
        let mut hint = String::new();
        let Some((s, _)) = self.deref(s, &mut hint) else {
            return Vec::new();
        };
        let view = self.obj_view(&s, 0);
        let mut out = Vec::new();
        for (k, p) in view.props {
            let mut hint = String::new();
            let Some((p, _)) = self.deref(p, &mut hint) else {
                continue;
            };
            let t = match p.v.get("type") {
                Some(Value::String(t)) => t.as_str(),
                Some(Value::Array(ts)) => ts
                    .iter()
                    .filter_map(Value::as_str)
                    .find(|t| *t != "null")
                    .unwrap_or("string"),
                _ => "string",
            };
            let kind = match t {
                "integer" => "integer",
                "number" => "number",
                "boolean" => "boolean",
                "object" | "array" => "json",
                _ => "string",
            };
            out.push((k, kind));
        }
        out
    }

    /// Whether a JSON value (a `default`) can be a value of a type.
    fn fits(&self, ty: &Ty, v: &Value, depth: usize) -> bool {
        if depth > 32 {
            return true;
        }
        match ty {
            Ty::Option(inner) => v.is_null() || self.fits(inner, v, depth + 1),
            Ty::String | Ty::DateTime | Ty::Date | Ty::Uuid | Ty::Url | Ty::Ipv4 | Ty::Ipv6 => {
                v.is_string()
            }
            Ty::Bool => v.is_boolean(),
            Ty::Int(t) => {
                let (lo, hi) = int_range(t);
                v.as_i64()
                    .map(|i| i as f64)
                    .or_else(|| v.as_u64().map(|u| u as f64))
                    .is_some_and(|x| x >= lo && x <= hi)
            }
            Ty::Float(_) => v.is_number(),
            Ty::Value => true,
            Ty::Unit => v.is_null(),
            Ty::Vec(inner) => v
                .as_array()
                .is_some_and(|a| a.iter().all(|x| self.fits(inner, x, depth + 1))),
            Ty::Map(inner) => v
                .as_object()
                .is_some_and(|m| m.values().all(|x| self.fits(inner, x, depth + 1))),
            Ty::Named(id) => match &self.defs[*id].kind {
                Kind::Struct(_) => v.is_object(),
                Kind::Enum(e) => v
                    .as_str()
                    .is_some_and(|s| e.open || e.variants.iter().any(|(_, w)| w == s)),
                Kind::Newtype(nt) => nt.inner.as_ref().is_none_or(|t| self.fits(t, v, depth + 1)),
                Kind::Alias(t) | Kind::Wrapper(t) => self.fits(t, v, depth + 1),
                Kind::Tagged(_) => v.is_object(),
                Kind::Untagged(_) | Kind::Pending => true,
            },
        }
    }

    /// Boxes fields and variants whose type contains the type they are in, and returns the
    /// capabilities (Eq, Hash, Default) of each type.
    pub fn finish(&mut self) -> Vec<Caps> {
        let n = self.defs.len();
        // Aliases that reach themselves through aliases become wrapper structs.
        let alias_of = |defs: &[TypeDef], i: usize| match &defs[i].kind {
            Kind::Alias(t) => Some(t.clone()),
            _ => None,
        };
        for i in 0..n {
            let Some(t) = alias_of(&self.defs, i) else {
                continue;
            };
            let mut stack = named_in(&t);
            let mut seen = vec![false; n];
            let mut recursive = false;
            while let Some(x) = stack.pop() {
                if x == i {
                    recursive = true;
                    break;
                }
                if std::mem::replace(&mut seen[x], true) {
                    continue;
                }
                if let Some(t) = alias_of(&self.defs, x) {
                    stack.extend(named_in(&t));
                }
            }
            if recursive {
                self.defs[i].kind = Kind::Wrapper(t);
            }
        }
        // Direct containment edges (not through Vec or Map, which are already indirect).
        let direct: Vec<Vec<usize>> = (0..n).map(|i| self.direct_children(i)).collect();
        let reaches = |from: usize, to: usize| -> bool {
            let mut stack = vec![from];
            let mut seen = vec![false; n];
            while let Some(x) = stack.pop() {
                if x == to {
                    return true;
                }
                if std::mem::replace(&mut seen[x], true) {
                    continue;
                }
                stack.extend(direct[x].iter().copied());
            }
            false
        };
        for i in 0..n {
            let mut kind = std::mem::replace(&mut self.defs[i].kind, Kind::Pending);
            match &mut kind {
                Kind::Struct(st) => {
                    for f in &mut st.fields {
                        f.boxed = direct_named(&f.ty).is_some_and(|c| reaches(c, i));
                    }
                }
                Kind::Untagged(vs) => {
                    for v in vs {
                        v.boxed = direct_named(&v.ty).is_some_and(|c| reaches(c, i));
                    }
                }
                Kind::Tagged(t) => {
                    for v in &mut t.variants {
                        v.boxed = v.body.is_some_and(|c| reaches(c, i));
                    }
                }
                _ => {}
            }
            self.defs[i].kind = kind;
        }
        let mut caps = vec![
            Caps {
                eq: true,
                hash: true,
                default: true
            };
            n
        ];
        loop {
            let mut changed = false;
            for i in 0..n {
                let c = self.caps_of_def(i, &caps);
                if c != caps[i] {
                    caps[i] = c;
                    changed = true;
                }
            }
            if !changed {
                return caps;
            }
        }
    }

    fn direct_children(&self, i: usize) -> Vec<usize> {
        match &self.defs[i].kind {
            Kind::Struct(st) => st
                .fields
                .iter()
                .filter_map(|f| direct_named(&f.ty))
                .collect(),
            Kind::Untagged(vs) => vs.iter().filter_map(|v| direct_named(&v.ty)).collect(),
            Kind::Tagged(t) => t.variants.iter().filter_map(|v| v.body).collect(),
            Kind::Alias(t) | Kind::Wrapper(t) => direct_named(t).into_iter().collect(),
            _ => Vec::new(),
        }
    }

    fn caps_of_def(&self, i: usize, caps: &[Caps]) -> Caps {
        let all = |tys: &mut dyn Iterator<Item = &Ty>| {
            let mut c = Caps {
                eq: true,
                hash: true,
                default: true,
            };
            for t in tys {
                c = c.and(caps_of_ty(t, caps));
            }
            c
        };
        match &self.defs[i].kind {
            Kind::Pending => Caps {
                eq: true,
                hash: true,
                default: true,
            },
            Kind::Struct(st) => {
                let mut c = all(&mut st.fields.iter().map(|f| &f.ty));
                if let Some(e) = &st.extra {
                    c = c.and(caps_of_ty(&Ty::Map(Box::new(e.clone())), caps));
                }
                c
            }
            Kind::Enum(_) => Caps {
                eq: true,
                hash: true,
                default: false,
            },
            Kind::Tagged(t) => {
                let c = all(&mut t
                    .variants
                    .iter()
                    .filter_map(|v| v.body)
                    .map(Ty::Named)
                    .collect::<Vec<_>>()
                    .iter());
                Caps {
                    default: false,
                    ..c
                }
            }
            Kind::Untagged(vs) => Caps {
                default: false,
                ..all(&mut vs.iter().map(|v| &v.ty))
            },
            Kind::Newtype(nt) => {
                let c = nt
                    .inner
                    .as_ref()
                    .map(|t| caps_of_ty(t, caps))
                    .unwrap_or(Caps {
                        eq: true,
                        hash: true,
                        default: false,
                    });
                Caps {
                    default: false,
                    ..c
                }
            }
            Kind::Alias(t) | Kind::Wrapper(t) => caps_of_ty(t, caps),
        }
    }
}

/// Which derives a type supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caps {
    pub eq: bool,
    pub hash: bool,
    pub default: bool,
}

impl Caps {
    fn and(self, o: Caps) -> Caps {
        Caps {
            eq: self.eq && o.eq,
            hash: self.hash && o.hash,
            default: self.default && o.default,
        }
    }
}

pub(crate) fn caps_of_ty(t: &Ty, caps: &[Caps]) -> Caps {
    let c = |eq, hash, default| Caps { eq, hash, default };
    match t {
        Ty::Named(id) => caps[*id],
        Ty::String | Ty::Bool | Ty::Int(_) | Ty::Uuid | Ty::Unit => c(true, true, true),
        Ty::Float(_) => c(false, false, true),
        Ty::DateTime | Ty::Date | Ty::Url | Ty::Ipv4 | Ty::Ipv6 => c(true, true, false),
        Ty::Value => c(true, false, true),
        // `serde_json::Map` has no `Hash`; `BTreeMap` and `Vec` have what their values have.
        Ty::Map(inner) if **inner == Ty::Value => c(true, false, true),
        Ty::Vec(inner) | Ty::Map(inner) | Ty::Option(inner) => Caps {
            default: true,
            ..caps_of_ty(inner, caps)
        },
    }
}

/// A schema that only documents (`description`, `title`, `examples`...) and constrains
/// nothing.
fn is_annotation_only(v: &Value) -> bool {
    v.as_object().is_some_and(|m| {
        m.keys().all(|k| {
            k.starts_with("x-")
                || matches!(
                    k.as_str(),
                    "description"
                        | "title"
                        | "examples"
                        | "example"
                        | "default"
                        | "deprecated"
                        | "readOnly"
                        | "writeOnly"
                        | "$comment"
                        | "externalDocs"
                )
        })
    })
}

/// A Pascal-case name with a numeric suffix: `Self_` and 2 give `Self2`, not `Self_2`, which
/// is not upper camel case.
fn suffixed(base: &str, n: usize) -> String {
    format!("{}{n}", base.trim_end_matches('_'))
}

/// Every named type a type expression mentions, however deep.
fn named_in(t: &Ty) -> Vec<usize> {
    match t {
        Ty::Named(id) => vec![*id],
        Ty::Vec(inner) | Ty::Map(inner) | Ty::Option(inner) => named_in(inner),
        _ => Vec::new(),
    }
}

fn direct_named(t: &Ty) -> Option<usize> {
    match t {
        Ty::Named(id) => Some(*id),
        Ty::Option(inner) => direct_named(inner),
        _ => None,
    }
}

fn primitive_name(t: &Ty) -> &'static str {
    match t {
        Ty::String => "String",
        Ty::Bool => "Boolean",
        Ty::Int(_) => "Integer",
        Ty::Float(_) => "Number",
        Ty::DateTime => "DateTime",
        Ty::Date => "Date",
        Ty::Uuid => "Uuid",
        Ty::Url => "Url",
        Ty::Ipv4 => "Ipv4",
        Ty::Ipv6 => "Ipv6",
        Ty::Value => "Value",
        Ty::Unit => "Null",
        Ty::Vec(_) => "List",
        Ty::Map(_) => "Map",
        Ty::Option(_) => "Optional",
        Ty::Named(_) => "Named",
    }
}

/// What a schema turned into: a type expression, or the kind of a named type to define.
enum Shaped {
    Ty(Ty),
    Def(Kind),
}

impl Shaped {
    fn option(self) -> Shaped {
        match self {
            Shaped::Ty(t) => Shaped::Ty(t.option()),
            // Callers wrap definitions through `shape`; a bare definition stays as it is.
            Shaped::Def(k) => Shaped::Def(k),
        }
    }
}

fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// A `const` string, or the only value of an `enum`.
pub(crate) fn const_string(v: &Value) -> Option<String> {
    if let Some(Value::String(s)) = v.get("const") {
        return Some(s.clone());
    }
    match v.get("enum") {
        Some(Value::Array(vals)) if vals.len() == 1 => vals[0].as_str().map(str::to_owned),
        _ => None,
    }
}

fn docs_of(v: &Value) -> Docs {
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

/// The name a `$ref` target suggests: its key under `schemas`, `definitions`, `$defs`,
/// `messages` (the last segment of a dotted Java-style key), else the file's stem.
pub(crate) fn name_of_location(path: &std::path::Path, ptr: &str) -> Option<String> {
    let tokens = pointer::tokens(ptr)?;
    if let Some(last) = tokens.last() {
        let last = last.rsplit('.').next().unwrap_or(last);
        if matches!(last, "payload" | "headers" | "schema") && tokens.len() >= 2 {
            let owner = &tokens[tokens.len() - 2];
            return Some(format!("{owner}{}", names::pascal(last, "")));
        }
        return Some(last.to_owned());
    }
    path.file_stem().map(|s| s.to_string_lossy().into_owned())
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

fn int_range(t: &str) -> (f64, f64) {
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
