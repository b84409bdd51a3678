//! What the generator reports besides code: notes at places of the document, and its own
//! internal failures.

use asyncapi_model::{Document, Loc};

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
pub(crate) fn describe(doc: &Document, loc: &Loc) -> String {
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
