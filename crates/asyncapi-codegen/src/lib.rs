//! The generator: from a loaded AsyncAPI document to the files of a Rust crate.
//!
//! Pipeline: [`asyncapi_model::load`] (by the caller) -> [`ir::lower`] (channels,
//! operations and messages from the generated code's point of view, every schema typed by
//! [`typespace::TypeSpace`]) -> token streams ([`emit_types`], [`emit_api`]) -> text
//! ([`render`]) -> [`Output`], which [`write`] puts on disk or checks against it.
//! Front ends (the CLI, `cargo xtask`) only parse arguments and do IO.

pub mod avro;
pub mod config;
pub mod emit_api;
pub mod emit_types;
pub mod ir;
pub mod manifest;
pub mod names;
pub mod render;
pub mod typespace;
pub mod vendor;
pub mod write;

use std::collections::BTreeMap;

use asyncapi_model::Document;

pub use typespace::TypeSettings;
pub use write::{Change, WriteMode, write};

/// Whose code is generated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Perspective {
    /// The application the document describes: its `send` operations are sent, its
    /// `receive` operations received (2.x: `subscribe` sent, `publish` received).
    #[default]
    App,
    /// A client of that application: every action is reversed.
    Client,
}

impl std::str::FromStr for Perspective {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "app" | "application" => Ok(Perspective::App),
            "client" => Ok(Perspective::Client),
            other => Err(format!(
                "unknown perspective `{other}` (expected `app` or `client`)"
            )),
        }
    }
}

/// How the generated crate depends on the runtime crate and the support crates it
/// re-exports (which always come the same way as the runtime).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuntimeDep {
    /// `path = "..."` of `asyncapi-runtime`, relative to the generated crate; re-exported
    /// support crates are its siblings (`../asyncapi-runtime` -> `../adobe-io-transport`).
    Path(String),
    /// `version = "..."` from a registry, for the runtime and every re-exported crate.
    Version(String),
}

/// An extra optional dependency the generated crate re-exports behind a feature (e.g. a
/// transport crate), so users need one dependency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reexport {
    pub package: String,
    /// Feature of the generated crate that enables it.
    pub feature: String,
    /// Module name it is re-exported as.
    pub module: String,
}

/// Everything that shapes the output. `Default` generates an application crate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub crate_name: String,
    pub perspective: Perspective,
    pub types: TypeSettings,
    pub runtime: RuntimeDep,
    /// The spec path shown in the `@generated` header (keep it relative for stable output).
    pub source_label: String,
    /// Add an empty `[workspace]` so the crate builds on its own wherever it is written.
    pub standalone: bool,
    pub reexports: Vec<Reexport>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            crate_name: "asyncapi-generated".to_owned(),
            perspective: Perspective::App,
            types: TypeSettings::default(),
            runtime: RuntimeDep::Version(manifest::versions::SUPPORT.to_owned()),
            source_label: "the AsyncAPI document".to_owned(),
            standalone: false,
            reexports: Vec::new(),
        }
    }
}

/// Something the generator chose or could not do exactly as the document says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// `file#/json/pointer` of the schema or object concerned (empty when general).
    pub at: String,
    pub message: String,
}

impl std::fmt::Display for Note {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.at.is_empty() {
            write!(f, "note: {}", self.message)
        } else {
            write!(f, "note: {} (at {})", self.message, self.at)
        }
    }
}

/// The generated crate: file paths relative to its folder, and their contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    pub files: BTreeMap<String, String>,
    pub notes: Vec<Note>,
    /// `(method, operation key)` of each handler method.
    pub handler_methods: Vec<(String, String)>,
    /// Each message's Rust names, for tools and tests that use the generated crate.
    pub messages: Vec<MessageInfo>,
}

/// Where a message's types are in the generated crate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageInfo {
    /// The message's key in its channel.
    pub key: String,
    pub channel: String,
    /// The message struct, in `messages`.
    pub type_name: String,
    /// The payload type as Rust source (paths into `types`), when the payload is typed JSON.
    pub payload_type: Option<String>,
    /// The headers type as Rust source, when the message has a headers schema.
    pub headers_type: Option<String>,
    /// Whether the generated router delivers this message to a handler method.
    pub routed: bool,
    /// A concrete address the router maps to this message's channel (parameters filled with
    /// sample values), when the channel has an address.
    pub sample_address: Option<String>,
}

/// An internal failure to render what was generated (a generator bug, reported, never a panic).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenerateError(pub String);

impl std::fmt::Display for GenerateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "internal error while generating code (please report it): {}",
            self.0
        )
    }
}

impl std::error::Error for GenerateError {}

/// A location as `file#pointer`, the file relative to the root document's folder, so that
/// generated text does not depend on where the checkout is.
pub(crate) fn describe(doc: &Document, loc: &asyncapi_model::Loc) -> String {
    let root = doc
        .store
        .file(doc.store.root_id())
        .path
        .parent()
        .map(std::path::Path::to_path_buf)
        .unwrap_or_default();
    let path = &doc.store.file(loc.file).path;
    let shown = match path.strip_prefix(&root) {
        Ok(rel) => rel.to_string_lossy().replace('\\', "/"),
        Err(_) => path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
    };
    format!("{shown}#{}", loc.pointer)
}

/// Types rendered together; small enough to spread over cores, large enough to be cheap.
const TYPES_PER_CHUNK: usize = 64;

/// Names generated code defines itself, which schema types must not take.
const RESERVED: &[&str] = &["Handler", "StubHandler", "Router", "Publisher"];

/// Generates the crate for a document.
pub fn generate(doc: &Document, settings: &Settings) -> Result<Output, GenerateError> {
    let arena = typed_arena::Arena::new();
    let mut space = typespace::TypeSpace::new(doc, settings.types.clone(), RESERVED);
    let ir = ir::lower(doc, settings, &mut space, &arena);
    let caps = space.finish();
    let header = format!(
        "// @generated by asyncapi-gen from {}. Do not edit.\n",
        settings.source_label
    );
    // Rendering (syn + prettyplease) is most of the time: the files, and the types in
    // chunks, are rendered on every core. Chunks are joined in order, so the bytes do not
    // depend on the number of cores.
    let defs = &space.defs;
    let type_chunks: Vec<std::ops::Range<usize>> = (0..defs.len())
        .step_by(TYPES_PER_CHUNK)
        .map(|s| s..(s + TYPES_PER_CHUNK).min(defs.len()))
        .collect();
    // The single files first (the router is usually the largest job), then the chunks of
    // types, so that two cores finish at about the same time.
    let mut jobs: Vec<Box<dyn Fn() -> Result<String, GenerateError> + Sync + '_>> = Vec::new();
    let (ir_ref, settings_ref) = (&ir, settings);
    jobs.push(Box::new(move || {
        render::items(emit_api::router(ir_ref, defs))
    }));
    jobs.push(Box::new(move || {
        let messages = emit_api::messages(ir_ref, defs);
        render::items(quote::quote!(#[allow(unused_imports)] use crate::types::*; #[allow(unused_imports)] use ::asyncapi_runtime::codegen as rt; #messages))
    }));
    jobs.push(Box::new(move || render::items(emit_api::handlers(ir_ref))));
    jobs.push(Box::new(move || {
        render::items(emit_api::publisher(ir_ref, defs))
    }));
    jobs.push(Box::new(move || {
        render::items(render::lib_rs(ir_ref, settings_ref))
    }));
    for range in &type_chunks {
        let range = range.clone();
        let caps = &caps;
        jobs.push(Box::new(move || {
            let items = range
                .clone()
                .map(|i| emit_types::emit_one(defs, i, caps[i]));
            render::items(quote::quote!(#(#items)*))
        }));
    }
    let mut rendered = render::run_jobs(&jobs)?.into_iter();
    let mut next = || format!("{header}{}", rendered.next().unwrap_or_default());
    let mut files = BTreeMap::new();
    files.insert("src/router.rs".to_owned(), next());
    files.insert("src/messages.rs".to_owned(), next());
    files.insert("src/handlers.rs".to_owned(), next());
    files.insert("src/publisher.rs".to_owned(), next());
    files.insert("src/lib.rs".to_owned(), next());
    let mut types = format!("{header}#![allow(clippy::all)]\n");
    for _ in &type_chunks {
        types.push_str(&rendered.next().unwrap_or_default());
    }
    files.insert("src/types.rs".to_owned(), types);
    files.insert(
        "Cargo.toml".to_owned(),
        manifest::cargo_toml(settings, &space.uses, &ir),
    );
    files.insert("README.md".to_owned(), render::readme(&ir, settings));
    files.insert(
        "rustfmt.toml".to_owned(),
        "# @generated by asyncapi-gen: prettyplease output, not rustfmt's.\ndisable_all_formatting = true\n"
            .to_owned(),
    );
    let handler_methods = ir
        .operations
        .iter()
        .filter(|o| o.role == ir::Role::Receive)
        .map(|o| (o.method.clone(), o.key.clone()))
        .collect();
    let messages = ir
        .messages
        .iter()
        .enumerate()
        .map(|(i, m)| MessageInfo {
            key: m.key.clone(),
            channel: ir.channels[m.channel].key.clone(),
            type_name: m.type_name.clone(),
            payload_type: m
                .payload
                .as_ref()
                .filter(|_| m.json)
                .map(|t| emit_types::ty_tokens(t, &space.defs).to_string()),
            headers_type: m
                .headers
                .as_ref()
                .map(|t| emit_types::ty_tokens(t, &space.defs).to_string()),
            routed: ir
                .operations
                .iter()
                .any(|o| o.role == ir::Role::Receive && o.messages.contains(&i)),
            sample_address: sample_address(&ir.channels[m.channel], &space.defs),
        })
        .collect();
    Ok(Output {
        files,
        notes: space.notes,
        handler_methods,
        messages,
    })
}

/// A concrete address of a channel: its template with each parameter given a value its
/// type accepts (an enum's first value, `1` for numbers, `sample` otherwise).
fn sample_address(c: &ir::ChannelIr, defs: &[typespace::TypeDef]) -> Option<String> {
    let template = c.address.as_ref()?;
    let mut out = template.clone();
    fn value_of(ty: &typespace::Ty, defs: &[typespace::TypeDef], depth: usize) -> String {
        match ty {
            typespace::Ty::Named(id) if depth < 8 => match &defs[*id].kind {
                // A value that fits a single segment (parameters never match `/`).
                typespace::Kind::Enum(e) => e
                    .variants
                    .iter()
                    .map(|(_, w)| w)
                    .find(|w| !w.contains('/') && !w.is_empty())
                    .map_or("sample".to_owned(), String::clone),
                typespace::Kind::Alias(t) | typespace::Kind::Wrapper(t) => {
                    value_of(t, defs, depth + 1)
                }
                typespace::Kind::Newtype(nt) => nt
                    .inner
                    .as_ref()
                    .map_or("sample".to_owned(), |t| value_of(t, defs, depth + 1)),
                _ => "sample".to_owned(),
            },
            typespace::Ty::Option(t) => value_of(t, defs, depth + 1),
            typespace::Ty::Int(_) | typespace::Ty::Float(_) => "1".to_owned(),
            typespace::Ty::Bool => "true".to_owned(),
            _ => "sample".to_owned(),
        }
    }
    for f in c.params.iter().flat_map(|p| &p.fields) {
        let value = value_of(&f.ty, defs, 0);
        out = out.replace(&format!("{{{}}}", f.wire), &value);
    }
    Some(out)
}

/// The text of a starting `impl Handler` for the user's crate (see `asyncapi-gen scaffold`).
pub fn scaffold(
    doc: &Document,
    settings: &Settings,
    type_name: &str,
) -> Result<String, GenerateError> {
    let arena = typed_arena::Arena::new();
    let mut space = typespace::TypeSpace::new(doc, settings.types.clone(), RESERVED);
    let ir = ir::lower(doc, settings, &mut space, &arena);
    let tokens = emit_api::scaffold(&ir, &settings.crate_name.replace('-', "_"), type_name);
    render::file(
        &format!(
            "// Started by `asyncapi-gen scaffold` from {}; this file is yours to edit.\n",
            settings.source_label
        ),
        tokens,
    )
}
