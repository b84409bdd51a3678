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

mod check;
mod context;
mod fields;
mod locate;
mod object;
mod parse;
mod schema;
mod sink;
mod traits;

use std::path::Path;

pub use diag::{Diagnostic, Diagnostics, Severity};
pub use schema::Schema;
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
    let version = match document_version(&store) {
        Ok(v) => v,
        Err(sink) => {
            return Err(LoadError {
                diagnostics: sink.finish(&store),
            });
        }
    };
    let arena = typed_arena::Arena::new();
    let mut cx = context::Cx::new(&store, &arena, version);
    let root = context::At {
        v: &store.file(store.root_id()).value,
        at: Loc::new(store.root_id(), ""),
        merged: false,
    };
    let (spec, api) = if version.0 == 2 {
        let doc = v2::read_document(&mut cx, &root);
        let api = doc.as_ref().map(view::from_v2);
        (doc.map(|d| Spec::V2(Box::new(d))), api)
    } else {
        let doc = v3::read_document(&mut cx, &root);
        let api = doc.as_ref().map(view::from_v3);
        (doc.map(|d| Spec::V3(Box::new(d))), api)
    };
    let sink = std::mem::take(&mut cx.sink);
    drop(cx);
    let diagnostics = sink.finish(&store);
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

/// The `(major, minor)` of the root document's `asyncapi` field, or the error saying why the
/// document cannot be read as AsyncAPI.
fn document_version(store: &Store) -> Result<(u32, u32), sink::Sink> {
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
            sink::kind(other)
        )),
        None if root_value.is_object() => Err(format!(
            "not an AsyncAPI document: the required field `asyncapi` is missing (supported versions: {})",
            SUPPORTED_VERSIONS.join(", ")
        )),
        None => Err(format!(
            "not an AsyncAPI document: the document must be an object, found {}",
            sink::kind(root_value)
        )),
    };
    version.map_err(|message| {
        let (code, pointer) = match version_str {
            Some(_) => ("unsupported-version", "/asyncapi"),
            None => ("not-asyncapi", ""),
        };
        let mut sink = sink::Sink::default();
        sink.node(
            Severity::Error,
            code,
            &Loc::new(store.root_id(), pointer),
            message,
            None,
            None,
        );
        sink
    })
}
