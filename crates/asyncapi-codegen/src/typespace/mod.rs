//! JSON Schema to Rust types.
//!
//! Every schema the generator needs a type for goes through [`TypeSpace::ty`]: `$ref`s are
//! followed (`resolve.rs`), the schema is converted keyword by keyword (`convert.rs`, with
//! objects and `allOf` in `objects.rs`, `oneOf`/`anyOf` in `unions.rs`), and once every
//! schema of the document is typed (`api.rs`), recursion is made finite and derives are
//! chosen (`cycles.rs`). The result is [`Types`], complete and read-only, which lowering and
//! emitting read. `analysis.rs` answers the router's questions about schemas.
//!
//! Types live in an arena ([`TypeDefs`], by [`TypeId`]); a schema location reached through a
//! `$ref` always becomes a named type (reserved before its parts are built, so recursive
//! schemas terminate), and a memo keyed by location makes a schema used twice one type.
//! Nothing here panics on a bad schema: what cannot be typed becomes `serde_json::Value`
//! with a note naming the pointer.

mod analysis;
mod api;
mod avro;
mod convert;
mod cycles;
mod defs;
mod objects;
mod resolve;
mod unions;

use std::collections::{HashMap, VecDeque};

use asyncapi_model::{Document, FileId, Loc};
use serde_json::Value;

pub use api::{ApiTypes, ChannelTypes, MessageTypes, ParamType, message_base_name, type_api};
pub use defs::*;

use crate::names::{self, Registry};
use crate::notes::Note;
use convert::{Shaped, docs_of};
use resolve::SchemaRef;

/// The types of a document, complete: what lowering and emitting read.
#[derive(Debug, Default)]
pub struct Types {
    pub defs: TypeDefs,
    /// The optional crates the types need.
    pub uses: Uses,
    /// What the typing chose or could not express, each at a schema.
    pub notes: Vec<Note>,
}

/// The types being made: schemas in, named types and type expressions out.
#[derive(Debug)]
pub(crate) struct TypeSpace<'d> {
    doc: &'d Document,
    settings: TypeSettings,
    defs: TypeDefs,
    /// The type of each schema location typed so far (and, for a tagged union's variant
    /// bodies, of the location without its tag property).
    memo: HashMap<(Loc, Option<String>), Ty>,
    names: Registry,
    /// The names reserved for component schemas that no type has taken yet, by location
    /// (several components can be one schema), in document order.
    components: HashMap<Loc, Vec<String>>,
    notes: Vec<Note>,
    uses: Uses,
    /// Schemas made by the generator (Avro schemas as JSON Schema), by virtual file id.
    virtual_docs: Vec<(&'d Value, String)>,
    /// How many schemas are being typed inside one another now.
    depth: usize,
    /// Schemas met deeper than [`MAX_NESTED_TYPES`]: reserved as named types, typed once the
    /// outermost schema is done.
    deferred: VecDeque<(TypeId, SchemaRef<'d>)>,
    /// Inline schemas that became named types, by file and content hash: an inline schema
    /// identical to one met before (the same `{"type": "number", "minimum": 0}` in every
    /// channel) is the same type, named after the first.
    inline: HashMap<(FileId, u64), Vec<(&'d Value, TypeId)>>,
}

/// Inline schemas larger than this many JSON values are not compared for sameness: the
/// hash would cost more than typing them again.
const MAX_SHARED_INLINE: usize = 256;

/// A hash of a schema's content, or `None` past [`MAX_SHARED_INLINE`] values. Objects hash
/// in their key order; two equal schemas with keys in another order are just not merged.
fn content_hash(v: &Value) -> Option<u64> {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    let mut budget = MAX_SHARED_INLINE;
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        budget = budget.checked_sub(1)?;
        match v {
            Value::Null => 0u8.hash(&mut h),
            Value::Bool(b) => (1u8, b).hash(&mut h),
            // Equal numbers have the same representation (`1` is not `1.0`), so this is
            // enough for the equality that follows.
            Value::Number(n) => match (n.as_u64(), n.as_i64(), n.as_f64()) {
                (Some(u), _, _) => (2u8, u).hash(&mut h),
                (None, Some(i), _) => (6u8, i).hash(&mut h),
                (None, None, f) => (7u8, f.map(f64::to_bits)).hash(&mut h),
            },
            Value::String(s) => (3u8, s).hash(&mut h),
            Value::Array(a) => {
                (4u8, a.len()).hash(&mut h);
                stack.extend(a.iter().rev());
            }
            Value::Object(o) => {
                (5u8, o.len()).hash(&mut h);
                for k in o.keys() {
                    k.hash(&mut h);
                }
                stack.extend(o.values().rev());
            }
        }
    }
    Some(h.finish())
}

/// How deep schemas are typed inside one another before the next is queued instead: a chain of
/// ten thousand schemas, each a property or variant of the one before, then costs heap, not
/// stack.
const MAX_NESTED_TYPES: usize = 40;

/// Longest `$ref` chain (and deepest `allOf` nesting) followed before giving up.
const MAX_REF_CHAIN: usize = 64;

impl<'d> TypeSpace<'d> {
    /// `reserved` are names the generated crate defines itself, which no type may take.
    pub(crate) fn new(doc: &'d Document, settings: TypeSettings, reserved: &[&str]) -> Self {
        let mut names = Registry::default();
        names.reserve(reserved.iter().copied());
        TypeSpace {
            doc,
            settings,
            defs: TypeDefs::default(),
            memo: HashMap::new(),
            names,
            components: HashMap::new(),
            notes: Vec::new(),
            uses: Uses::default(),
            virtual_docs: Vec::new(),
            depth: 0,
            deferred: VecDeque::new(),
            inline: HashMap::new(),
        }
    }

    /// Makes the types final (see `cycles.rs`).
    pub(crate) fn finish(mut self) -> Types {
        cycles::finish(&mut self.defs);
        Types {
            defs: self.defs,
            uses: self.uses,
            notes: self.notes,
        }
    }

    /// A strict string enum made by the generator (3.x parameter `enum`s are not schemas).
    pub(crate) fn string_enum(&mut self, hint: &str, values: &[String], at: &Loc) -> Ty {
        let base = names::pascal(hint, "Value");
        let name = match self.names.claim(&base) {
            Ok(n) => n,
            Err(n) => {
                self.note(
                    at,
                    format!("the name `{base}` is taken by another type; `{n}` is used instead"),
                );
                n
            }
        };
        let mut used = Registry::default();
        let variants = values
            .iter()
            .map(|v| (used.unique(&names::pascal(v, "Empty")), v.clone()))
            .collect();
        let origin = self.describe(at);
        Ty::Named(self.defs.push(TypeDef {
            name,
            docs: Docs::default(),
            kind: Kind::Enum(StringEnum {
                variants,
                open: false,
            }),
            origin,
            derives: Derives::ALL,
        }))
    }

    fn note(&mut self, loc: &Loc, message: String) {
        let at = self.describe(loc);
        self.notes.push(Note { at, message });
    }

    /// The type of a schema. `hint` is the name to use if the schema needs a named type.
    pub(crate) fn ty(&mut self, s: SchemaRef<'d>, hint: &str) -> Ty {
        self.depth += 1;
        let t = self.ty_at_depth(s, hint);
        self.depth -= 1;
        if self.depth == 0 {
            while let Some((id, s)) = self.deferred.pop_front() {
                self.depth = 1;
                self.shape_target(id, &s);
                self.depth = 0;
            }
        }
        t
    }

    fn ty_at_depth(&mut self, s: SchemaRef<'d>, hint: &str) -> Ty {
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
        let deep = self.depth > MAX_NESTED_TYPES;
        if via_ref || (deep && s.stored) {
            // A ref target is always a named type, reserved before its parts are typed; so
            // is a schema nested too deep to type now, which is queued.
            let id = self.reserve(&hint, &s, true);
            self.memo.insert(key, Ty::Named(id));
            if deep {
                self.deferred.push_back((id, s));
            } else {
                self.shape_target(id, &s);
            }
            return Ty::Named(id);
        }
        if deep {
            self.note(
                &s.loc,
                format!(
                    "schemas nest more than {MAX_NESTED_TYPES} deep here; typed as serde_json::Value"
                ),
            );
            return Ty::Value;
        }
        // An inline schema nested in another (a property, an item, a branch) that is the same
        // as one that became a named type before is that type. A message's own payload or
        // headers schema (depth 1) keeps its own type and name.
        let shared = (self.depth > 1 && self.components.get(&s.loc).is_none_or(Vec::is_empty))
            .then(|| content_hash(s.v))
            .flatten()
            .map(|h| (s.loc.file, h));
        if let Some(found) = shared.as_ref().and_then(|k| self.inline.get(k)) {
            if let Some(&(_, id)) = found.iter().find(|(v, _)| *v == s.v) {
                return Ty::Named(id);
            }
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
                if let Some(k) = shared {
                    self.inline.entry(k).or_default().push((s.v, id));
                }
                Ty::Named(id)
            }
        };
        if s.stored {
            self.memo.insert(key, t.clone());
        }
        t
    }

    /// Types the target of a `$ref`, reserved as `id`, one level deeper.
    fn shape_target(&mut self, id: TypeId, s: &SchemaRef<'d>) {
        let name = self.defs[id].name.clone();
        let kind = match self.shape(s, &name, Some(id)) {
            Shaped::Def(kind) => kind,
            Shaped::Ty(t) => Kind::Alias(t),
        };
        self.defs[id].kind = kind;
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
            if let Some(why) = names::naming_note("schema", hint, &name) {
                self.note(loc, why);
            }
            self.components.entry(loc.clone()).or_default().push(name);
        }
    }

    /// Types a component schema. Like the target of a `$ref`, it is a named type: a
    /// component that is a map, a list, a primitive or another type is an alias of it.
    pub(crate) fn component(&mut self, s: SchemaRef<'d>, hint: &str) {
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
    fn reserve(&mut self, hint: &str, s: &SchemaRef<'d>, primary: bool) -> TypeId {
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
        let origin = self.describe(&s.loc);
        self.defs.push(TypeDef {
            name,
            docs: docs_of(s.v),
            kind: Kind::Pending,
            origin,
            derives: Derives::ALL,
        })
    }

    /// Registers a named type whose kind the caller sets.
    fn def(&mut self, hint: &str, s: &SchemaRef<'d>, kind: Kind, primary: bool) -> TypeId {
        let id = self.reserve(hint, s, primary);
        self.defs[id].kind = kind;
        id
    }
}
