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
/// flow-style YAML document, see [`parse_hinted`]), if it holds at most
/// [`DEFAULT_MAX_BYTES`].
pub fn read_file(path: &Path) -> Result<SourceFile, ReadError> {
    read_file_within(path, DEFAULT_MAX_BYTES)
}

/// [`read_file`] for a file that may hold at most `limit` bytes: a larger one is
/// [`ReadError::TooLarge`], found without reading more than `limit + 1` bytes.
pub fn read_file_within(path: &Path, limit: u64) -> Result<SourceFile, ReadError> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| ReadError::Io(e.to_string()))?;
    let mut text = String::new();
    file.take(limit.saturating_add(1))
        .read_to_string(&mut text)
        .map_err(|e| ReadError::Io(e.to_string()))?;
    if text.len() as u64 > limit {
        return Err(ReadError::TooLarge { limit });
    }
    let (format, value) =
        parse_hinted(&text, Format::from_path(path)).map_err(ReadError::Syntax)?;
    Ok(SourceFile {
        path: path.to_path_buf(),
        text,
        format,
        value,
    })
}

/// How many bytes the files of one document may hold together unless
/// [`crate::LoadOptions::max_bytes`] says otherwise: 32 MiB, a hundred times the largest
/// document met in the wild, and a bound on the memory a load takes.
pub const DEFAULT_MAX_BYTES: u64 = 32 << 20;

/// The old name of [`read_file`].
pub use read_file as read;

/// Why a file could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    Io(String),
    Syntax(SyntaxError),
    /// The file holds more than the document's size limit allows (`limit` bytes are left).
    TooLarge {
        limit: u64,
    },
}

impl ReadError {
    /// What went wrong, in a sentence.
    pub fn message(&self) -> String {
        match self {
            ReadError::Io(e) => e.clone(),
            ReadError::Syntax(e) => e.message.clone(),
            ReadError::TooLarge { limit } => too_large(*limit),
        }
    }
}

/// The reason a file over the size limit is refused.
pub(crate) fn too_large(limit: u64) -> String {
    let size = if limit % (1 << 20) == 0 {
        format!("{} MiB", limit >> 20)
    } else {
        format!("{limit} bytes")
    };
    format!(
        "the document's files hold more than {size} together, the limit; raise it with --max-size if the document is really that large"
    )
}
