//! Traits: 2.x and 3.x message and operation traits merged into their target.
//!
//! AsyncAPI 2.x merges each trait into the target with JSON Merge Patch (RFC 7396), in order,
//! so a trait's field replaces the target's. AsyncAPI 3.x merges the traits in order and then
//! the target on top: "a property on a trait MUST NOT override the same property on the
//! target". A field that only one source has keeps its real location; a field that several
//! sources have is merged into a new value whose `$ref`s are made absolute, so that refs
//! written in a trait's own file still resolve.

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::context::{At, Cx};
use crate::object::Obj;
use crate::source::FileId;

/// Reads an object with a `traits` field and returns it with its traits applied.
pub(crate) fn with_traits<'s>(
    cx: &mut Cx<'s>,
    n: &At<'s>,
    what: &'static str,
    fields: &'static [&'static str],
    trait_what: &'static str,
    trait_fields: &'static [&'static str],
) -> Option<Obj<'s>> {
    let o = Obj::new(cx, n, what, fields)?;
    let traits: Vec<At<'s>> = o.list_of(cx, "traits", "trait", true, |cx, t, _| {
        let to = Obj::new(cx, t, trait_what, trait_fields)?;
        to.finish(cx);
        Some(t.clone())
    });
    if traits.is_empty() {
        return Some(o);
    }
    let target_wins = cx.at_least(3, 0);
    // The sources of each field, in merge order (the last one wins), each with whether it is
    // the target itself.
    let mut order: Vec<String> = Vec::new();
    let mut sources: HashMap<String, Vec<(At<'s>, bool)>> = HashMap::new();
    let mut add = |key: &str, src: At<'s>, is_target: bool| {
        if !sources.contains_key(key) {
            order.push(key.to_owned());
        }
        sources
            .entry(key.to_owned())
            .or_default()
            .push((src, is_target));
    };
    let target_fields = |add: &mut dyn FnMut(&str, At<'s>, bool)| {
        for (k, v) in o.map {
            let src = At {
                v,
                at: o.field_at(k),
                merged: o.merged,
            };
            add(k, src, true);
        }
    };
    if !target_wins {
        target_fields(&mut add);
    }
    for t in &traits {
        if let Value::Object(map) = t.v {
            // A field a trait may not have was warned about as ignored (above): it is.
            let valid = map
                .iter()
                .filter(|(k, _)| trait_fields.contains(&k.as_str()) || k.starts_with("x-"));
            for (k, v) in valid {
                let src = At {
                    v,
                    at: t.at.child(k),
                    merged: t.merged,
                };
                add(k, src, false);
            }
        }
    }
    if target_wins {
        target_fields(&mut add);
    }
    let mut merged = Map::new();
    let mut origins = HashMap::new();
    for key in order {
        let srcs = &sources[&key];
        if let [(src, is_target)] = srcs.as_slice() {
            // A trait's `null` removes the field (JSON Merge Patch); the target's own `null` is
            // its value, reported as such.
            if *is_target || !src.v.is_null() {
                merged.insert(key.clone(), src.v.clone());
                origins.insert(key, (src.at.clone(), src.merged));
            }
            continue;
        }
        let mut value = Value::Null;
        for (s, _) in srcs {
            let mut patch = s.v.clone();
            absolutize(cx, s.at.file, &mut patch);
            merge_patch(&mut value, &patch);
        }
        // Merged to `null`: a later source removed the field.
        if value.is_null() {
            continue;
        }
        merged.insert(key.clone(), value);
        origins.insert(key.clone(), (o.at.child(&key), true));
    }
    let map = match cx.arena.alloc(Value::Object(merged)) {
        Value::Object(m) => &*m,
        _ => unreachable!("an object was just allocated"),
    };
    Some(Obj::with_origins(
        map,
        o.at.clone(),
        o.what(),
        o.fields(),
        origins,
    ))
}

/// Rewrites every `$ref` below `value` so that it resolves from any file.
fn absolutize(cx: &Cx<'_>, file: FileId, value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                match v {
                    Value::String(r) if k == "$ref" => *r = cx.store.absolutize(file, r),
                    _ => absolutize(cx, file, v),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| absolutize(cx, file, v)),
        _ => {}
    }
}

/// JSON Merge Patch (RFC 7396).
pub(crate) fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    if let Value::Object(t) = target {
        for (k, v) in patch {
            if v.is_null() {
                t.remove(k);
            } else {
                merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::merge_patch;
    use serde_json::json;

    #[test]
    fn merge_patch_follows_rfc_7396() {
        let mut t = json!({"a": "b", "c": {"d": "e", "f": "g"}});
        merge_patch(&mut t, &json!({"a": "z", "c": {"f": null}}));
        assert_eq!(t, json!({"a": "z", "c": {"d": "e"}}));
        let mut t = json!({"a": [1]});
        merge_patch(&mut t, &json!({"a": [2, 3]}));
        assert_eq!(t, json!({"a": [2, 3]}));
    }
}
