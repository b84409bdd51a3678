//! The AsyncAPI document model and loader.
//!
//! [`load`] reads a document (JSON when it starts with `{` or `[`, YAML otherwise; see
//! [`source::parse_hinted`]) and every file its `$ref`s reach, applies traits, and returns a
//! typed model of its version ([`Spec`]) and a version-independent view ([`view::Api`]) that
//! the generator lowers from. Every problem found is a [`Diagnostic`] with file, line, column
//! and JSON pointer; a load reports all of them.
//!
//! Schemas are not copied into the model: a [`Schema`] points at a location in the
//! [`Store`], so that recursive schemas load and a schema used twice stays one schema.

pub mod diag;
pub mod model;
pub mod pointer;
pub mod schema_format;
pub mod source;
pub mod store;
pub mod v2;
pub mod v3;
pub mod view;

mod read;
mod traits;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

pub use diag::{Diagnostic, Diagnostics, Severity};
pub use model::Schema;
pub use schema_format::SchemaFormat;
pub use source::{FileId, Format, SourceFile};
pub use store::{Fetcher, LoadOptions, Loc, RefError, Store, UrlMap};
pub use view::Api;

/// The AsyncAPI versions this loader reads.
pub const SUPPORTED_VERSIONS: &[&str] = &[
    "2.0.0", "2.1.0", "2.2.0", "2.3.0", "2.4.0", "2.5.0", "2.6.0", "3.0.0", "3.1.0",
];

/// The typed model of a document, by major version.
#[derive(Debug, Clone, PartialEq)]
pub enum Spec {
    V2(Box<v2::AsyncApi>),
    V3(Box<v3::AsyncApi>),
}

/// A loaded document.
#[derive(Debug)]
pub struct Document {
    pub store: Store,
    pub spec: Spec,
    pub api: Api,
    /// Warnings (a loaded document has no errors).
    pub diagnostics: Diagnostics,
}

impl Document {
    /// The value of a schema: its merged value when traits made it, else what it points at.
    pub fn schema_value<'a>(&'a self, schema: &'a Schema) -> Option<&'a serde_json::Value> {
        match &schema.merged {
            Some(v) => Some(v),
            None => self.store.get(&schema.at),
        }
    }

    /// A location as `file#pointer`, for messages.
    pub fn describe(&self, loc: &Loc) -> String {
        format!(
            "{}#{}",
            self.store.file(loc.file).path.display(),
            loc.pointer
        )
    }
}

/// A document that could not be loaded: every error and warning found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    pub diagnostics: Diagnostics,
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.diagnostics.errors().count();
        writeln!(
            f,
            "the document has {n} error{}",
            if n == 1 { "" } else { "s" }
        )?;
        write!(f, "{}", self.diagnostics)
    }
}

impl std::error::Error for LoadError {}

/// Loads the document at `path` and everything it references.
pub fn load(path: &Path, opts: &LoadOptions) -> Result<Document, LoadError> {
    let store = match Store::open(path, opts.clone()) {
        Ok(s) => s,
        Err(e) => return Err(read_error(path, e)),
    };
    load_store(store)
}

/// Loads a document held in memory; `path` names it and is the base of its relative refs.
pub fn load_str(path: &Path, text: String, opts: &LoadOptions) -> Result<Document, LoadError> {
    match Store::from_text(path, text, opts.clone()) {
        Ok(s) => load_store(s),
        Err(e) => Err(read_error(path, source::ReadError::Syntax(e))),
    }
}

fn read_error(path: &Path, e: source::ReadError) -> LoadError {
    let (message, line, column, code) = match e {
        source::ReadError::Io(e) => (format!("cannot read the document: {e}"), 0, 0, "io"),
        source::ReadError::Syntax(e) => (e.message, e.line, e.column, "syntax"),
    };
    LoadError {
        diagnostics: Diagnostics(vec![Diagnostic {
            severity: Severity::Error,
            code,
            message,
            file: path.to_path_buf(),
            pointer: String::new(),
            line,
            column,
            help: None,
        }]),
    }
}

/// The `(major, minor)` of a supported `asyncapi` version string.
pub fn parse_version(v: &str) -> Option<(u32, u32)> {
    let mut parts = v.split('.');
    let major: u32 = parts.next()?.parse().ok()?;
    let minor: u32 = parts.next()?.parse().ok()?;
    let patch = parts.next()?;
    if parts.next().is_some() || patch.is_empty() || !patch.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    match (major, minor) {
        (2, 0..=6) | (3, 0..=1) => Some((major, minor)),
        _ => None,
    }
}

fn load_store(mut store: Store) -> Result<Document, LoadError> {
    store.load_closure();
    let arena = typed_arena::Arena::new();
    let root_loc = Loc::new(store.root_id(), "");
    let root_value = &store.file(store.root_id()).value;
    let version_str = root_value.get("asyncapi");
    let version = match version_str {
        Some(serde_json::Value::String(v)) => parse_version(v).ok_or_else(|| {
            format!(
                "unsupported AsyncAPI version `{v}`; supported versions: {}",
                SUPPORTED_VERSIONS.join(", ")
            )
        }),
        Some(other) => Err(format!(
            "`asyncapi` must be a version string such as \"3.0.0\", found {}",
            read::kind(other)
        )),
        None if root_value.is_object() => Err(format!(
            "not an AsyncAPI document: the required field `asyncapi` is missing (supported versions: {})",
            SUPPORTED_VERSIONS.join(", ")
        )),
        None => Err(format!(
            "not an AsyncAPI document: the document must be an object, found {}",
            read::kind(root_value)
        )),
    };
    let version = match version {
        Ok(v) => v,
        Err(message) => {
            let pointer = if version_str.is_some() {
                "/asyncapi"
            } else {
                ""
            };
            let raw = read::RawDiag {
                severity: Severity::Error,
                code: if version_str.is_some() {
                    "unsupported-version"
                } else {
                    "not-asyncapi"
                },
                message,
                at: read::Place::Node(Loc::new(store.root_id(), pointer)),
                help: None,
                written: None,
            };
            return Err(LoadError {
                diagnostics: finish_diags(&store, vec![raw]),
            });
        }
    };
    let mut cx = read::Cx::new(&store, &arena, version);
    let root = read::At {
        v: root_value,
        at: root_loc,
        merged: false,
    };
    let (spec, api) = if version.0 == 2 {
        let doc = v2::read(&mut cx, &root);
        let api = doc.as_ref().map(|d| view::from_v2(&mut cx, d));
        (doc.map(|d| Spec::V2(Box::new(d))), api)
    } else {
        let doc = v3::read(&mut cx, &root);
        let api = doc.as_ref().map(view::from_v3);
        (doc.map(|d| Spec::V3(Box::new(d))), api)
    };
    let raw = std::mem::take(&mut cx.diags);
    drop(cx);
    let diagnostics = finish_diags(&store, raw);
    match (spec, api) {
        (Some(spec), Some(api)) if !diagnostics.has_errors() => {
            drop(arena);
            Ok(Document {
                store,
                spec,
                api,
                diagnostics,
            })
        }
        _ => Err(LoadError { diagnostics }),
    }
}

/// Locates raw diagnostics (one pass over each file that has any) and orders them by file,
/// line and column; the same problem found twice is reported once.
fn finish_diags(store: &Store, raw: Vec<read::RawDiag>) -> Diagnostics {
    let mut wanted: BTreeMap<FileId, BTreeSet<String>> = BTreeMap::new();
    for d in &raw {
        if let read::Place::Node(at) = &d.at {
            wanted
                .entry(at.file)
                .or_default()
                .insert(at.pointer.clone());
        }
    }
    let mut nodes: BTreeMap<FileId, BTreeMap<String, source::Located>> = BTreeMap::new();
    for (file, pointers) in &wanted {
        nodes.insert(
            *file,
            source::locate_nodes(&store.file(*file).text, pointers),
        );
    }
    let mut out: Vec<Diagnostic> = raw
        .into_iter()
        .map(|d| {
            let (file, pointer, (line, column), scalar) = match d.at {
                read::Place::Node(at) => {
                    let node = nodes[&at.file].get(&at.pointer);
                    (
                        store.file(at.file).path.clone(),
                        at.pointer,
                        node.map_or((0, 0), |n| n.position),
                        node.and_then(|n| n.scalar.as_ref()),
                    )
                }
                read::Place::Text { path, line, column } => {
                    (path, String::new(), (line, column), None)
                }
            };
            let fill = |text: String| match &d.written {
                Some(w) if text.contains(read::AS_WRITTEN) => {
                    text.replace(read::AS_WRITTEN, &w.show(scalar))
                }
                _ => text,
            };
            Diagnostic {
                severity: d.severity,
                code: d.code,
                message: fill(d.message),
                file,
                pointer,
                line,
                column,
                help: d.help.map(fill),
            }
        })
        .collect();
    out.sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
    out.dedup();
    Diagnostics(out)
}
