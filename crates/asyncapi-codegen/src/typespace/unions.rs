//! `oneOf` and `anyOf`: an internally tagged enum when a property tells the branches apart
//! (the `discriminator`, or a required `const` in every branch), else an untagged one.

use std::collections::BTreeSet;

use serde_json::Value;

use super::convert::Shaped;
use super::objects::Additional;
use super::objects::ObjView;
use super::resolve::SchemaRef;
use super::{Kind, Struct, Tagged, TaggedVariant, Ty, TypeId, TypeSpace, UnionOf, Variant};
use crate::names::{self, Registry};

impl<'d> TypeSpace<'d> {
    pub(super) fn union(
        &mut self,
        s: &SchemaRef<'d>,
        key: &str,
        branches: &'d [Value],
        name: &str,
        named: Option<TypeId>,
    ) -> Shaped {
        let at = s.loc.child(key);
        let mut resolved: Vec<(SchemaRef<'d>, String, bool)> = Vec::new();
        let mut nullable = false;
        for (i, b) in branches.iter().enumerate() {
            let mut hint = String::new();
            let raw = SchemaRef {
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
        let typed: Vec<Ty> = resolved
            .into_iter()
            .map(|(b, hint, _)| self.ty(b, &hint))
            .collect();
        let bases: Vec<String> = typed
            .iter()
            .map(|t| match t {
                Ty::Named(id) => self.defs[*id].name.clone(),
                other => primitive_name(other).to_owned(),
            })
            .collect();
        let mut used = Registry::default();
        let variants = typed
            .into_iter()
            .zip(variant_names(name, &bases))
            .map(|(ty, n)| Variant {
                name: used.unique(&n),
                ty,
                boxed: false,
            })
            .collect();
        let _ = named;
        let of = if key == "anyOf" {
            UnionOf::AnyOf
        } else {
            UnionOf::OneOf
        };
        wrap(Shaped::Def(Kind::Untagged(variants, of)))
    }

    /// The property that tells the branches of a union apart: the `discriminator`, or a
    /// property every branch requires with a distinct `const` (or one-value `enum`) string.
    pub(super) fn find_tag(
        &mut self,
        s: &SchemaRef<'d>,
        branches: &[(SchemaRef<'d>, String, bool)],
    ) -> Option<String> {
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

    pub(super) fn tagged(
        &mut self,
        tag: &str,
        branches: &[(SchemaRef<'d>, String, bool)],
        name: &str,
    ) -> Shaped {
        let mut variants = Vec::new();
        let mut used = Registry::default();
        for (b, _, _) in branches {
            let view = self.obj_view(b, 0);
            let wire = view
                .props
                .get(tag)
                .and_then(|p| const_string(p.v))
                .unwrap_or_default();
            let vname = used.unique(&names::pascal(&wire, "Variant"));
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
}

/// Variant names that do not repeat what the enum's name says: the words the type names
/// share with the start of the enum's name, and the words at the end that every branch
/// shares, are dropped (`DatasetIngestionPayload` of `DatasetIngestionAdobeIoEnvelope` and
/// `DatasetIngestionCloudEventEnvelope`: `AdobeIo` and `CloudEvent`), as long as every
/// name keeps a word and no two become the same.
fn variant_names(enum_name: &str, types: &[String]) -> Vec<String> {
    let enum_words = names::words(enum_name);
    let words: Vec<Vec<String>> = types.iter().map(|t| names::words(t)).collect();
    let strip_front = |w: &[String]| {
        w.iter()
            .zip(&enum_words)
            .take_while(|(a, b)| a == b)
            .count()
    };
    let mut parts: Vec<&[String]> = words
        .iter()
        .map(|w| {
            let n = strip_front(w);
            if n < w.len() { &w[n..] } else { &w[..] }
        })
        .collect();
    // Trailing words every name shares, while each keeps at least one.
    loop {
        let last = parts.first().and_then(|p| p.last());
        let shared = parts.len() > 1
            && last.is_some()
            && parts.iter().all(|p| p.len() > 1 && p.last() == last);
        if !shared {
            break;
        }
        parts = parts.iter().map(|p| &p[..p.len() - 1]).collect();
    }
    let names: Vec<String> = parts.iter().map(|p| p.concat()).collect();
    let distinct = names
        .iter()
        .collect::<std::collections::BTreeSet<_>>()
        .len()
        == names.len();
    if distinct
        && names
            .iter()
            .all(|n| !n.starts_with(|c: char| c.is_ascii_digit()))
    {
        names
    } else {
        types.to_vec()
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
