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
mod repair;
mod schema;
mod sink;
mod traits;

use std::path::Path;

pub use diag::{Diagnostic, Diagnostics, Severity};
pub use repair::LENIENT_READINGS;
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
        Err(e) => Err(read_error(path, e)),
    }
}

fn read_error(path: &Path, e: source::ReadError) -> LoadError {
    let (message, line, column, code) = match e {
        source::ReadError::Io(e) => (format!("cannot read the document: {e}"), 0, 0, "io"),
        source::ReadError::Syntax(e) => (e.message, e.line, e.column, "syntax"),
        source::ReadError::TooLarge { limit } => (source::too_large(limit), 0, 0, "too-large"),
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
    let edits = std::mem::take(&mut cx.file_edits);
    drop(cx);
    let diagnostics = sink.finish(&store);
    match (spec, api) {
        (Some(spec), Some(api)) if !diagnostics.has_errors() => {
            drop(arena);
            // Schemas are read from the store: repair them there.
            store.apply(edits);
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

/// Architecture invariants, checked on the crate's own sources (`src/*.rs`).
#[cfg(test)]
mod architecture {
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::Path;

    /// The crate's modules and, for each, the modules its code names as `crate::x` (in `use`
    /// items, groups included, and in paths). `lib` stands for the crate root: it declares
    /// every module, so any module that names it is in a cycle. Comments are not code.
    fn imports() -> BTreeMap<String, BTreeSet<String>> {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut texts = BTreeMap::new();
        for entry in std::fs::read_dir(&src).expect("read src/") {
            let path = entry.expect("an entry of src/").path();
            if path.extension().is_some_and(|e| e == "rs") {
                let name = path.file_stem().expect("a file name").to_string_lossy();
                let text = std::fs::read_to_string(&path).expect("read a source file");
                texts.insert(name.into_owned(), text);
            }
        }
        let modules: BTreeSet<String> = texts.keys().cloned().collect();
        let mut graph = BTreeMap::new();
        for (name, text) in &texts {
            if name == "lib" {
                continue;
            }
            let mut deps = BTreeSet::new();
            for line in text.lines() {
                for first in crate_paths(strip_comment(line)) {
                    let dep = if modules.contains(&first) && first != "lib" {
                        first
                    } else {
                        "lib".to_owned()
                    };
                    if dep != *name {
                        deps.insert(dep);
                    }
                }
            }
            graph.insert(name.clone(), deps);
        }
        graph.insert(
            "lib".to_owned(),
            modules.into_iter().filter(|m| m != "lib").collect(),
        );
        graph
    }

    /// A line without its `//` comment (one that starts the line or follows a space, so that
    /// `https://` in a string stays).
    fn strip_comment(line: &str) -> &str {
        let mut from = 0;
        while let Some(i) = line[from..].find("//") {
            let at = from + i;
            if at == 0 || line[..at].ends_with(char::is_whitespace) {
                return &line[..at];
            }
            from = at + 2;
        }
        line
    }

    /// The first segment of every `crate::` path on a line: `crate::a::b` gives `a`,
    /// `crate::{a, b::c}` gives `a` and `b`.
    fn crate_paths(line: &str) -> Vec<String> {
        let ident = |s: &str| -> String {
            s.trim_start()
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect()
        };
        let mut out = Vec::new();
        let mut rest = line;
        while let Some(i) = rest.find("crate::") {
            rest = &rest[i + "crate::".len()..];
            if let Some(group) = rest.strip_prefix('{') {
                let mut depth = 0;
                let mut item = String::new();
                for c in group.chars() {
                    match c {
                        '{' => depth += 1,
                        '}' if depth == 0 => break,
                        '}' => depth -= 1,
                        ',' if depth == 0 => {
                            out.push(ident(&item));
                            item.clear();
                            continue;
                        }
                        _ => {}
                    }
                    if depth == 0 {
                        item.push(c);
                    }
                }
                out.push(ident(&item));
            } else {
                out.push(ident(rest));
            }
        }
        out.retain(|s| !s.is_empty());
        out
    }

    /// A cycle of the graph, as `a -> b -> a`, if there is one.
    fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<String> {
        fn visit<'g>(
            node: &'g str,
            graph: &'g BTreeMap<String, BTreeSet<String>>,
            path: &mut Vec<&'g str>,
            done: &mut BTreeSet<&'g str>,
        ) -> Option<String> {
            if let Some(i) = path.iter().position(|n| *n == node) {
                let mut cycle = path[i..].to_vec();
                cycle.push(node);
                return Some(cycle.join(" -> "));
            }
            if !done.insert(node) {
                return None;
            }
            path.push(node);
            for dep in graph.get(node).into_iter().flatten() {
                if let Some(c) = visit(dep, graph, path, done) {
                    return Some(c);
                }
            }
            path.pop();
            None
        }
        let mut done = BTreeSet::new();
        graph
            .keys()
            .find_map(|n| visit(n, graph, &mut Vec::new(), &mut done))
    }

    #[test]
    fn the_module_graph_has_no_cycle() {
        let graph = imports();
        if let Some(cycle) = find_cycle(&graph) {
            let edges: String = graph
                .iter()
                .map(|(m, deps)| format!("  {m} -> {deps:?}\n"))
                .collect();
            panic!("module import cycle: {cycle}\nthe graph:\n{edges}");
        }
    }

    #[test]
    fn leaf_modules_import_nothing_from_the_crate() {
        let graph = imports();
        for leaf in [
            "check",
            "diag",
            "fields",
            "parse",
            "pointer",
            "repair",
            "schema_format",
        ] {
            assert_eq!(
                graph[leaf],
                BTreeSet::new(),
                "{leaf}.rs imports from the crate"
            );
        }
    }

    #[test]
    fn no_source_file_is_over_800_lines() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        for entry in std::fs::read_dir(&src).expect("read src/") {
            let path = entry.expect("an entry of src/").path();
            let lines = std::fs::read_to_string(&path).map_or(0, |t| t.lines().count());
            assert!(lines <= 800, "{} has {lines} lines", path.display());
        }
    }

    #[test]
    fn the_scanner_reads_paths_groups_and_comments() {
        assert_eq!(crate_paths("use crate::a::{b, c};"), ["a"]);
        assert_eq!(
            crate_paths("use crate::{a, b::{c, d}, e};"),
            ["a", "b", "e"]
        );
        assert_eq!(crate_paths("x(crate::f::g(), crate::H)"), ["f", "H"]);
        assert_eq!(strip_comment("a(); // crate::x"), "a(); ");
        assert_eq!(strip_comment("/// see crate::x"), "");
        assert_eq!(strip_comment("\"https://h\" // c"), "\"https://h\" ");
        let mut graph = BTreeMap::new();
        graph.insert("a".to_owned(), BTreeSet::from(["b".to_owned()]));
        graph.insert("b".to_owned(), BTreeSet::from(["a".to_owned()]));
        assert_eq!(find_cycle(&graph).as_deref(), Some("a -> b -> a"));
    }
}
