//! The object reader ([`Obj`]): typed getters for the fields of one AsyncAPI object that report
//! a field of the wrong type, maps and lists of sub-objects (following their `$ref`s), and a
//! final check that warns about unknown fields with the closest valid name and keeps `x-`
//! extensions.

use std::collections::HashMap;

use indexmap::IndexMap;
use serde_json::{Map, Value};

use crate::check::closest;
use crate::context::{At, Cx, Problem, read_via_ref};
use crate::repair::IGNORED;
use crate::sink::{AS_WRITTEN, describe, kind};
use crate::source::Format;
use crate::store::Loc;

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
    origins: Option<HashMap<String, (Loc, bool)>>,
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
        Self::open(cx, node, what, fields, None)
    }

    /// [`Self::new`] for an object that only documents (contact, license, tag, external
    /// documentation): a lenient load ignores it, with a warning, when it is not an object.
    pub fn documentation(
        cx: &mut Cx<'s>,
        node: &At<'s>,
        what: &'static str,
        fields: &'static [&'static str],
    ) -> Option<Self> {
        Self::open(cx, node, what, fields, Some(IGNORED))
    }

    fn open(
        cx: &mut Cx<'s>,
        node: &At<'s>,
        what: &'static str,
        fields: &'static [&'static str],
        assumed: Option<&str>,
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
                let message = format!("{what} must be an object, found {}", kind(other));
                cx.report(&node.at, Problem::new("invalid-type", message), assumed);
                None
            }
        }
    }

    /// An object whose fields come from several places (see [`crate::traits`]).
    pub fn with_origins(
        map: &'s Map<String, Value>,
        at: Loc,
        what: &'static str,
        fields: &'static [&'static str],
        origins: HashMap<String, (Loc, bool)>,
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
        self.string(cx, key, None)
    }

    /// A string that only documents (`description`, `summary`...): a lenient load ignores it,
    /// with a warning, when it is not a string.
    pub fn doc_str(&self, cx: &mut Cx<'s>, key: &str) -> Option<String> {
        self.string(cx, key, Some(IGNORED))
    }

    /// A string field; one of the wrong type is reported (read past as `assumed` when given).
    fn string(&self, cx: &mut Cx<'s>, key: &str, assumed: Option<&str>) -> Option<String> {
        let n = self.get(key)?;
        let problem = match n.v {
            Value::String(s) => return Some(s.clone()),
            Value::Number(_) => {
                // `version: 1.0` is the most common YAML slip: unquoted, it is a number.
                let (found, written) = describe(n.v);
                let help = match cx.store.file(n.at.file).format {
                    Format::Yaml => format!("quote it: `{key}: '{AS_WRITTEN}'`"),
                    Format::Json => format!("quote it: `\"{key}\": \"{AS_WRITTEN}\"`"),
                };
                Problem {
                    help: Some(help),
                    written,
                    ..Problem::new(
                        "invalid-type",
                        format!("`{key}` must be a string, found {found}"),
                    )
                }
            }
            other => Problem::new(
                "invalid-type",
                format!("`{key}` must be a string, found {}", kind(other)),
            ),
        };
        cx.report(&n.at, problem, assumed);
        None
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

    /// The required string of an object that only documents (a tag's `name`): when it is
    /// missing or not a string, a lenient load ignores the whole object (`None`, after a
    /// warning ending with `ignored`); a strict one reports the error and reads on with `""`.
    pub fn req_doc_str(&self, cx: &mut Cx<'s>, key: &str, ignored: &str) -> Option<String> {
        if !self.map.contains_key(key) {
            let message = format!("{} is missing the required field `{key}`", self.what);
            let read_past = cx.report(
                &self.at,
                Problem::new("missing-field", message),
                Some(ignored),
            );
            return (!read_past).then(String::new);
        }
        match self.string(cx, key, Some(ignored)) {
            Some(s) => Some(s),
            None if cx.lenient => None,
            None => Some(String::new()),
        }
    }

    /// A list of strings.
    pub fn strs(&self, cx: &mut Cx<'s>, key: &str) -> Vec<String> {
        self.strings(cx, key, None)
    }

    /// A list of strings that only documents (`examples`): a lenient load ignores it, or the
    /// items that are not strings, with a warning.
    pub fn doc_strs(&self, cx: &mut Cx<'s>, key: &str) -> Vec<String> {
        self.strings(cx, key, Some(IGNORED))
    }

    fn strings(&self, cx: &mut Cx<'s>, key: &str, assumed: Option<&str>) -> Vec<String> {
        let Some(n) = self.get(key) else {
            return Vec::new();
        };
        let Value::Array(items) = n.v else {
            let message = format!("`{key}` must be an array of strings, found {}", kind(n.v));
            cx.report(&n.at, Problem::new("invalid-type", message), assumed);
            return Vec::new();
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            match item {
                Value::String(s) => out.push(s.clone()),
                other => {
                    let message = format!("`{key}` items must be strings, found {}", kind(other));
                    let at = n.at.child(&i.to_string());
                    cx.report(&at, Problem::new("invalid-type", message), assumed);
                }
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
        f: impl FnMut(&mut Cx<'s>, &At<'s>, Option<Loc>) -> Option<T>,
    ) -> Vec<T> {
        self.list(cx, key, what, refs, None, f)
    }

    /// [`Self::list_of`] for a list that only documents (`tags`): a lenient load ignores it,
    /// with a warning, when it is not a list.
    pub fn doc_list_of<T>(
        &self,
        cx: &mut Cx<'s>,
        key: &str,
        what: &str,
        refs: bool,
        f: impl FnMut(&mut Cx<'s>, &At<'s>, Option<Loc>) -> Option<T>,
    ) -> Vec<T> {
        self.list(cx, key, what, refs, Some(IGNORED), f)
    }

    fn list<T>(
        &self,
        cx: &mut Cx<'s>,
        key: &str,
        what: &str,
        refs: bool,
        assumed: Option<&str>,
        mut f: impl FnMut(&mut Cx<'s>, &At<'s>, Option<Loc>) -> Option<T>,
    ) -> Vec<T> {
        let Some(n) = self.get(key) else {
            return Vec::new();
        };
        let Value::Array(items) = n.v else {
            let message = format!("`{key}` must be an array, found {}", kind(n.v));
            cx.report(&n.at, Problem::new("invalid-type", message), assumed);
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
