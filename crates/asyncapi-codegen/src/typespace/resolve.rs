//! Where schemas are: a [`SchemaRef`] is a schema value and its location, in the store or
//! in a document the generator made (Avro schemas as JSON Schema); `$ref`s are followed
//! from there.

use asyncapi_model::{Loc, pointer};
use serde_json::Value;

use super::{MAX_REF_CHAIN, TypeSpace};
use crate::names;

/// File ids from here on are documents the generator made ([`TypeSpace::add_virtual`]), not
/// files of the store: their `$ref`s resolve inside them, and notes name them by label.
const VIRTUAL_BASE: u32 = 1 << 30;

/// A schema and where it is.
#[derive(Debug, Clone)]
pub(crate) struct SchemaRef<'d> {
    pub v: &'d Value,
    pub loc: Loc,
    /// The value is in the store at `loc` (not a value made by merging traits).
    pub stored: bool,
}

impl<'d> TypeSpace<'d> {
    /// The schema a model [`asyncapi_model::Schema`] stands for.
    pub(crate) fn schema(&self, schema: &'d asyncapi_model::Schema) -> Option<SchemaRef<'d>> {
        match &schema.merged {
            Some(v) => Some(SchemaRef {
                v,
                loc: schema.at.clone(),
                stored: false,
            }),
            None => self.doc.store.get(&schema.at).map(|v| SchemaRef {
                v,
                loc: schema.at.clone(),
                stored: true,
            }),
        }
    }

    /// Adds a schema document the generator made (e.g. from Avro); `label` names it in
    /// docs and notes. Refs inside it must be local (`#/...`).
    pub(crate) fn add_virtual(&mut self, root: &'d Value, label: String) -> SchemaRef<'d> {
        let file = asyncapi_model::FileId(VIRTUAL_BASE + self.virtual_docs.len() as u32);
        self.virtual_docs.push((root, label));
        SchemaRef {
            v: root,
            loc: Loc::new(file, ""),
            stored: true,
        }
    }

    pub(super) fn virtual_doc(&self, loc: &Loc) -> Option<&(&'d Value, String)> {
        loc.file
            .0
            .checked_sub(VIRTUAL_BASE)
            .and_then(|i| self.virtual_docs.get(i as usize))
    }

    pub(super) fn file_path(&self, loc: &Loc) -> std::path::PathBuf {
        match self.virtual_doc(loc) {
            Some((_, label)) => std::path::PathBuf::from(label),
            None => self.doc.store.file(loc.file).path.clone(),
        }
    }

    /// A location as `file#pointer` for docs and notes.
    pub(crate) fn describe(&self, loc: &Loc) -> String {
        match self.virtual_doc(loc) {
            Some((_, label)) => format!("{label}#{}", loc.pointer),
            None => crate::notes::describe(self.doc, loc),
        }
    }

    pub(super) fn resolve(&self, from: &Loc, reference: &str) -> Result<SchemaRef<'d>, String> {
        if let Some((root, label)) = self.virtual_doc(from) {
            let ptr = reference
                .strip_prefix('#')
                .ok_or_else(|| format!("`{reference}` in {label} is not a local reference"))?;
            let ptr = percent_decode(ptr);
            let v = pointer::get(root, &ptr)
                .map_err(|_| format!("`{reference}` points at nothing in {label}"))?;
            return Ok(SchemaRef {
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
        Ok(SchemaRef {
            v,
            loc: target,
            stored: true,
        })
    }

    /// Follows `$ref`s; the name hint becomes the name of the last target.
    pub(super) fn deref(
        &mut self,
        mut s: SchemaRef<'d>,
        hint: &mut String,
    ) -> Option<(SchemaRef<'d>, bool)> {
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
}

fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
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
