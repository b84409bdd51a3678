//! The typed walk's context ([`Cx`]): the store every value is borrowed from, the values the
//! walk makes itself (objects with traits applied), the diagnostics sink with the choice
//! between strict and lenient reading ([`Cx::report`]), the schema edits a lenient load makes,
//! and following `$ref`s between AsyncAPI objects, with cycles reported rather than followed.

use std::collections::HashSet;

use serde_json::Value;

use crate::diag::Severity;
use crate::sink::{Place, RawDiag, Sink, Written};
use crate::source::FileId;
use crate::store::{Edit, Loc, RefError, Store};

/// A value and where it is. `merged` values were built by applying traits and do not exist
/// verbatim in any file: their `at` is the object they were merged into.
#[derive(Debug, Clone)]
pub(crate) struct At<'a> {
    pub v: &'a Value,
    pub at: Loc,
    pub merged: bool,
}

pub(crate) struct Cx<'s> {
    pub store: &'s Store,
    /// Values made during the walk (objects with traits applied) live here.
    pub arena: &'s typed_arena::Arena<Value>,
    pub sink: Sink,
    /// `(major, minor)` of the document.
    pub version: (u32, u32),
    /// Non-schema refs being read, to catch cycles.
    stack: Vec<Loc>,
    /// Schemas already walked (see [`crate::schema::walk`]).
    pub schemas_seen: HashSet<Loc>,
    /// Read past slips ([`crate::repair`]) instead of refusing the document.
    pub lenient: bool,
    /// Repairs of nodes that are in a file, applied to the store after the walk.
    pub file_edits: Vec<Edit>,
    /// Repairs of nodes of merged values (relative to nothing in any file), applied by
    /// [`crate::schema::read`] to the copy it keeps.
    pub merged_edits: Vec<Edit>,
}

/// A problem, before it is reported at a location.
pub(crate) struct Problem {
    pub code: &'static str,
    /// May hold [`crate::sink::AS_WRITTEN`].
    pub message: String,
    pub help: Option<String>,
    pub written: Option<Written>,
}

impl Problem {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Problem {
            code,
            message: message.into(),
            help: None,
            written: None,
        }
    }
}

impl<'s> Cx<'s> {
    pub fn new(
        store: &'s Store,
        arena: &'s typed_arena::Arena<Value>,
        version: (u32, u32),
    ) -> Self {
        Cx {
            store,
            arena,
            sink: Sink::default(),
            version,
            stack: Vec::new(),
            schemas_seen: HashSet::new(),
            lenient: store.options().lenient,
            file_edits: Vec::new(),
            merged_edits: Vec::new(),
        }
    }

    /// Reports a problem at `at`. With `assumed` (what a lenient load takes the value to mean,
    /// see [`crate::repair`]) and a lenient load, it is a warning whose message ends with that
    /// assumption, and the answer is `true`: the caller reads past it. Otherwise it is an
    /// error, worded the same.
    pub fn report(&mut self, at: &Loc, p: Problem, assumed: Option<&str>) -> bool {
        match assumed {
            Some(assumed) if self.lenient => {
                let message = format!("{}; {assumed}", p.message);
                self.push_written(Severity::Warning, p.code, at, message, p.help, p.written);
                true
            }
            _ => {
                self.push_written(Severity::Error, p.code, at, p.message, p.help, p.written);
                false
            }
        }
    }

    /// Records a repair of the node at `edit.at`, which belongs to a merged value when
    /// `merged`.
    pub fn edit(&mut self, edit: Edit, merged: bool) {
        if merged {
            self.merged_edits.push(edit);
        } else {
            self.file_edits.push(edit);
        }
    }

    pub fn at_least(&self, major: u32, minor: u32) -> bool {
        self.version >= (major, minor)
    }

    pub fn error(&mut self, code: &'static str, at: &Loc, message: impl Into<String>) {
        self.push(Severity::Error, code, at, message.into(), None);
    }

    pub fn warn(
        &mut self,
        code: &'static str,
        at: &Loc,
        message: impl Into<String>,
        help: Option<String>,
    ) {
        self.push(Severity::Warning, code, at, message.into(), help);
    }

    pub fn push(
        &mut self,
        severity: Severity,
        code: &'static str,
        at: &Loc,
        message: String,
        help: Option<String>,
    ) {
        self.sink.node(severity, code, at, message, help, None);
    }

    /// [`Self::push`] for a message or help that holds [`crate::sink::AS_WRITTEN`].
    pub fn push_written(
        &mut self,
        severity: Severity,
        code: &'static str,
        at: &Loc,
        message: String,
        help: Option<String>,
        written: Option<Written>,
    ) {
        self.sink.node(severity, code, at, message, help, written);
    }

    /// Reports a `$ref` (at `ref_at`) to a `what` that did not resolve. When the target file
    /// did not parse, its syntax error is reported too, in that file.
    pub fn unresolved(&mut self, ref_at: &Loc, what: &str, e: RefError) {
        if let RefError::Unreadable { path, .. } = &e {
            if let Some(se) = self.store.syntax_errors.get(path) {
                self.sink.push(RawDiag {
                    severity: Severity::Error,
                    code: "syntax",
                    message: se.message.clone(),
                    at: Place::Text {
                        path: path.clone(),
                        line: se.line,
                        column: se.column,
                    },
                    help: None,
                    written: None,
                });
            }
        }
        self.error(
            "unresolved-ref",
            ref_at,
            format!("cannot resolve {what} reference: {e}"),
        );
    }

    /// A location for a message, seen from file `from`: `#/pointer` in the same file, else
    /// `path#/pointer`.
    pub fn show_loc(&self, loc: &Loc, from: FileId) -> String {
        if loc.file == from {
            format!("#{}", loc.pointer)
        } else {
            format!(
                "{}#{}",
                self.store.file(loc.file).path.display(),
                loc.pointer
            )
        }
    }

    /// `a -> b -> a`: a cycle of locations, seen from file `from`.
    fn show_cycle(&self, cycle: &[Loc], from: FileId) -> String {
        cycle
            .iter()
            .chain(cycle.first())
            .map(|l| self.show_loc(l, from))
            .collect::<Vec<_>>()
            .join(" -> ")
    }

    /// Follows a chain of `$ref`s starting at `node` to the value it stands for. `None` (after
    /// an error) when a ref does not resolve or the chain loops. The second item is the
    /// location of the final target when at least one ref was followed.
    pub fn deref(&mut self, node: &At<'s>, what: &str) -> Option<(At<'s>, Option<Loc>)> {
        let mut current = node.clone();
        let mut seen: Vec<Loc> = Vec::new();
        let mut via = None;
        loop {
            let Some(r) = ref_of(current.v) else {
                return Some((current, via));
            };
            let ref_at = current.at.child("$ref");
            let Some(r) = r.as_str() else {
                self.error("invalid-ref", &ref_at, "`$ref` must be a string");
                return None;
            };
            let target = match self.store.resolve(current.at.file, r) {
                Ok(t) => t,
                Err(e) => {
                    self.unresolved(&ref_at, what, e);
                    return None;
                }
            };
            if target == current.at {
                self.error(
                    "ref-cycle",
                    &ref_at,
                    format!("{what} reference `{r}` points at itself"),
                );
                return None;
            }
            if let Some(i) = seen.iter().position(|l| *l == target) {
                // `seen[i..]` is the cycle, and `current` (its last) refers back to `seen[i]`:
                // show it from `current`, where the error is.
                let mut cycle = vec![current.at.clone()];
                cycle.extend_from_slice(&seen[i..seen.len() - 1]);
                let chain = self.show_cycle(&cycle, current.at.file);
                self.error(
                    "ref-cycle",
                    &ref_at,
                    format!("{what} reference cycle: {chain}"),
                );
                return None;
            }
            seen.push(target.clone());
            let v = self.store.get(&target).unwrap_or(&Value::Null);
            via = Some(target.clone());
            current = At {
                v,
                at: target,
                merged: false,
            };
        }
    }

    /// Enters a non-schema object reached through a ref; `false` (after an error) when it is
    /// already being read, i.e. the document contains itself.
    pub fn enter(&mut self, at: &Loc, from: &Loc, what: &str) -> bool {
        if let Some(i) = self.stack.iter().position(|l| l == at) {
            let message = if i + 1 == self.stack.len() {
                format!(
                    "this {what} reference points back at {}, which contains it",
                    self.show_loc(at, from.file)
                )
            } else {
                let chain = self.show_cycle(&self.stack[i..], from.file);
                format!("this {what} reference makes the object contain itself: {chain}")
            };
            self.error("ref-cycle", from, message);
            return false;
        }
        self.stack.push(at.clone());
        true
    }

    pub fn leave(&mut self) {
        self.stack.pop();
    }
}

/// Follows `$ref`s from `node` and reads the target with `f`, guarding against cycles.
pub(crate) fn read_via_ref<'s, T>(
    cx: &mut Cx<'s>,
    node: &At<'s>,
    what: &str,
    mut f: impl FnMut(&mut Cx<'s>, &At<'s>, Option<Loc>) -> Option<T>,
) -> Option<T> {
    let (target, via) = cx.deref(node, what)?;
    match &via {
        Some(loc) => {
            if !cx.enter(loc, &node.at, what) {
                return None;
            }
            let out = f(cx, &target, via.clone());
            cx.leave();
            out
        }
        None => f(cx, &target, None),
    }
}

/// The `$ref` member of an object, if any.
pub(crate) fn ref_of(v: &Value) -> Option<&Value> {
    match v {
        Value::Object(map) => map.get("$ref"),
        _ => None,
    }
}
