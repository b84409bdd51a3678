//! The diagnostics sink: problems as the walk finds them, before they have a line and a column,
//! and [`Sink::finish`], which locates them all at once (one pass over each file that has
//! any), orders them and fills in values as they are written in their file.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use serde_json::Value;

use crate::diag::{Diagnostic, Diagnostics, Severity};
use crate::locate::{self, Located};
use crate::source::FileId;
use crate::store::{Loc, Store};

/// A diagnostic before its line and column are known.
#[derive(Debug, Clone)]
pub(crate) struct RawDiag {
    pub severity: Severity,
    pub code: &'static str,
    /// May hold [`AS_WRITTEN`], filled in from `written`.
    pub message: String,
    pub at: Place,
    pub help: Option<String>,
    /// How to show the offending value as written in its file, for [`AS_WRITTEN`].
    pub written: Option<Written>,
}

/// Where a raw diagnostic is.
#[derive(Debug, Clone)]
pub(crate) enum Place {
    /// A node, located when diagnostics are finished.
    Node(Loc),
    /// A position in a file that is not in the store (one that did not parse).
    Text {
        path: PathBuf,
        line: usize,
        column: usize,
    },
}

/// In a raw diagnostic's message or help, stands for the offending value as written in its
/// file; [`Sink::finish`] fills it in once it has located the node (see [`Written`]).
pub(crate) const AS_WRITTEN: &str = "\u{1}";

/// How to show an offending value, given its scalar as written (text, whether plain).
#[derive(Debug, Clone)]
pub(crate) enum Written {
    /// A number: as written (`1.10`, `1e3`) when the source says so, else as parsed.
    Number { parsed: String, value: f64 },
    /// A null, which YAML also makes of `.inf` and `.nan` (JSON has neither).
    Null,
}

impl Written {
    pub fn show(&self, scalar: Option<&(String, bool)>) -> String {
        let plain = scalar.filter(|(_, plain)| *plain).map(|(t, _)| t.as_str());
        match self {
            Written::Number { parsed, value } => match plain {
                Some(t) if t.parse::<f64>().ok() == Some(*value) => t.to_owned(),
                _ => parsed.clone(),
            },
            Written::Null => match plain {
                Some(
                    t @ (".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" | "-.inf" | "-.Inf"
                    | "-.INF"),
                ) => format!("{t} (JSON has no infinity)"),
                Some(t @ (".nan" | ".NaN" | ".NAN")) => format!("{t} (JSON has no NaN)"),
                _ => "null".to_owned(),
            },
        }
    }
}

/// A value for a message, and how to fill in [`AS_WRITTEN`] when it stands for it.
pub(crate) fn describe(v: &Value) -> (String, Option<Written>) {
    match v {
        Value::String(s) => (format!("the string \"{s}\""), None),
        Value::Number(n) => (
            AS_WRITTEN.to_owned(),
            Some(Written::Number {
                parsed: n.to_string(),
                value: n.as_f64().unwrap_or(f64::NAN),
            }),
        ),
        Value::Null => (AS_WRITTEN.to_owned(), Some(Written::Null)),
        other => (kind(other).to_owned(), None),
    }
}

/// A JSON type name for messages.
pub(crate) fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Every problem found so far, in the order found.
#[derive(Debug, Default)]
pub(crate) struct Sink {
    raw: Vec<RawDiag>,
}

impl Sink {
    pub fn push(&mut self, d: RawDiag) {
        self.raw.push(d);
    }

    /// A problem at a node.
    pub fn node(
        &mut self,
        severity: Severity,
        code: &'static str,
        at: &Loc,
        message: String,
        help: Option<String>,
        written: Option<Written>,
    ) {
        self.push(RawDiag {
            severity,
            code,
            message,
            at: Place::Node(at.clone()),
            help,
            written,
        });
    }

    /// Locates the diagnostics (one pass over each file that has any) and orders them by file,
    /// line and column; the same problem found twice is reported once.
    pub fn finish(self, store: &Store) -> Diagnostics {
        let mut wanted: BTreeMap<FileId, BTreeSet<String>> = BTreeMap::new();
        for d in &self.raw {
            if let Place::Node(at) = &d.at {
                wanted
                    .entry(at.file)
                    .or_default()
                    .insert(at.pointer.clone());
            }
        }
        let mut nodes: BTreeMap<FileId, BTreeMap<String, Located>> = BTreeMap::new();
        for (file, pointers) in &wanted {
            nodes.insert(
                *file,
                locate::locate_nodes(&store.file(*file).text, pointers),
            );
        }
        let mut out: Vec<Diagnostic> = self
            .raw
            .into_iter()
            .map(|d| {
                let (file, pointer, (line, column), scalar) = match d.at {
                    Place::Node(at) => {
                        let node = nodes[&at.file].get(&at.pointer);
                        (
                            store.file(at.file).path.clone(),
                            at.pointer,
                            node.map_or((0, 0), |n| n.position),
                            node.and_then(|n| n.scalar.as_ref()),
                        )
                    }
                    Place::Text { path, line, column } => {
                        (path, String::new(), (line, column), None)
                    }
                };
                let fill = |text: String| match &d.written {
                    Some(w) if text.contains(AS_WRITTEN) => {
                        text.replace(AS_WRITTEN, &w.show(scalar))
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
}
