//! Object schemas: properties, `required`, `additionalProperties`, `patternProperties`, and
//! `allOf`, folded into one view before a struct (or a map) is made from it.

use std::collections::{BTreeSet, HashMap};

use indexmap::IndexMap;
use serde_json::Value;

use super::convert::{Shaped, docs_of};
use super::resolve::SchemaRef;
use super::{Field, Kind, MAX_REF_CHAIN, Struct, Ty, TypeSpace};
use crate::names::{self, Case, Registry};

/// An object schema with its `allOf`s folded in.
pub(super) struct ObjView<'d> {
    pub(super) props: IndexMap<String, SchemaRef<'d>>,
    pub(super) required: BTreeSet<String>,
    pub(super) additional: Additional<'d>,
    pub(super) pattern: Vec<SchemaRef<'d>>,
}

pub(super) enum Additional<'d> {
    Absent,
    Allowed,
    Forbidden,
    Schema(SchemaRef<'d>),
}

impl<'d> TypeSpace<'d> {
    /// Folds `allOf` (nested, through refs) into one object view.
    pub(super) fn obj_view(&mut self, s: &SchemaRef<'d>, depth: usize) -> ObjView<'d> {
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
                    SchemaRef {
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
            Some(v) => Additional::Schema(SchemaRef {
                v,
                loc: s.loc.child("additionalProperties"),
                stored: s.stored,
            }),
        };
        if let Some(Value::Object(pp)) = map.get("patternProperties") {
            let at = s.loc.child("patternProperties");
            for (k, v) in pp {
                view.pattern.push(SchemaRef {
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
                        SchemaRef {
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

    pub(super) fn all_of(&mut self, s: &SchemaRef<'d>, name: &str) -> Shaped {
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
                    let b = SchemaRef {
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
                    let b = SchemaRef {
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

    pub(super) fn object(
        &mut self,
        s: &SchemaRef<'d>,
        name: &str,
        exclude: Option<&str>,
    ) -> Shaped {
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

    pub(super) fn object_from_view(
        &mut self,
        s: &SchemaRef<'d>,
        name: &str,
        view: ObjView<'d>,
        exclude: Option<&str>,
    ) -> Shaped {
        let mut fields = Vec::new();
        let mut used = Registry::new(Case::Snake);
        used.reserve(["additional_properties"]);
        // The property each field name was made from, to say which two collide.
        let mut made_from: HashMap<String, &str> = HashMap::new();
        for (wire, p) in &view.props {
            if Some(wire.as_str()) == exclude {
                continue;
            }
            let base = names::snake(wire, "field");
            let claimed = used.claim(&base);
            let suffixed = claimed.is_err();
            let (Ok(field_name) | Err(field_name)) = claimed;
            // A name a reader could not guess says what it became; else a suffix says why.
            if let Some(why) = names::naming_note("property", wire, &field_name) {
                self.note(&p.loc, why);
            } else if suffixed {
                let other = match made_from.get(base.as_str()) {
                    Some(other) => format!("property `{other}`"),
                    None => "the map of unknown properties".to_owned(),
                };
                self.note(
                    &p.loc,
                    format!("property `{wire}` would be the field `{base}`, as {other} is; it is `{field_name}`"),
                );
            }
            made_from.insert(field_name.clone(), wire);
            made_from.entry(base).or_insert(wire);
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
