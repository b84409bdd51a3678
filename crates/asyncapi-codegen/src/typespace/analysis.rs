//! Facts about schemas that the router needs besides their types: the `const` values that
//! identify a message, how header text is read, whether a `default` fits its type.

use asyncapi_model::pointer;
use serde_json::Value;

use super::convert::int_range;
use super::resolve::SchemaRef;
use super::{Kind, Ty, TypeSpace};

impl<'d> TypeSpace<'d> {
    /// The `const` properties that identify values of this schema: one list per alternative
    /// (`oneOf`/`anyOf` branch), each of `(JSON pointer, value)`. Empty when some alternative
    /// has none, since then nothing is sure to identify it. Payloads use only required
    /// properties (an absent one rules a message out); headers use all (an absent header
    /// says nothing).
    pub(crate) fn const_alternatives(
        &mut self,
        s: SchemaRef<'d>,
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
        let bodies: Vec<SchemaRef<'d>> = match branches {
            Some(bs) => {
                let key = if s.v.get("oneOf").is_some() {
                    "oneOf"
                } else {
                    "anyOf"
                };
                bs.iter()
                    .enumerate()
                    .map(|(i, b)| SchemaRef {
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
    pub(crate) fn property_kinds(&mut self, s: SchemaRef<'d>) -> Vec<(String, &'static str)> {
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
    pub(super) fn fits(&self, ty: &Ty, v: &Value, depth: usize) -> bool {
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
                Kind::Untagged(..) | Kind::Pending => true,
            },
        }
    }
}
