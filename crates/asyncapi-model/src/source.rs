//! One file of a document: its id in the store, its text and parsed value, and reading it from
//! disk. Parsing is the `parse` module's job and locating nodes the `locate` module's; their public
//! items are re-exported here, under the paths they have always had.

use std::path::{Path, PathBuf};

use serde_json::Value;

pub use crate::locate::locate;
pub use crate::parse::{Format, SyntaxError, parse, parse_hinted};

/// Index of a file in a [`crate::Store`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct FileId(pub u32);

/// One parsed file.
#[derive(Debug)]
pub struct SourceFile {
    /// The path as the user or the referring document named it, joined to its base folder.
    pub path: PathBuf,
    pub text: String,
    pub format: Format,
    pub value: Value,
}

/// Reads a file from disk and parses it (by content; the file's name breaks the tie for a
/// flow-style YAML document, see [`parse_hinted`]).
pub fn read_file(path: &Path) -> Result<SourceFile, ReadError> {
    let text = std::fs::read_to_string(path).map_err(|e| ReadError::Io(e.to_string()))?;
    let (format, value) =
        parse_hinted(&text, Format::from_path(path)).map_err(ReadError::Syntax)?;
    Ok(SourceFile {
        path: path.to_path_buf(),
        text,
        format,
        value,
    })
}

/// The old name of [`read_file`].
pub use read_file as read;

/// Why a file could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    Io(String),
    Syntax(SyntaxError),
}
