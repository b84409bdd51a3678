//! The set of files a document is made of, and `$ref` resolution between them.
//!
//! Loading happens in two steps so that the typed walk can borrow every file at once: first
//! every file reachable through a `$ref` string is read ([`Store::load_closure`]), then refs are
//! resolved by lookup only ([`Store::resolve`]). A file that could not be read is remembered
//! with its reason and reported where a ref that is really used points at it.

use std::collections::{BTreeMap, HashMap};
use std::path::{Component, Path, PathBuf};

use percent_encoding::percent_decode_str;
use serde_json::Value;

use crate::parse::{self, SyntaxError};
use crate::pointer::{self, LookupError};
use crate::source::{self, FileId, ReadError, SourceFile};

/// How to load a document: where `$ref`s may lead, and whether slips are read past.
/// `Default` is the safe, strict setting: files under the spec's folder only, no network, every
/// error an error.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// The folder file refs must stay inside; `None` means the root spec's own folder.
    pub root: Option<PathBuf>,
    /// Allow file refs that leave `root`.
    pub allow_outside_root: bool,
    /// Allow `http(s)` refs that no [`UrlMap`] covers, fetched with [`Self::fetch`]. The
    /// loader has no HTTP client of its own: front ends that want remote refs pass one.
    pub allow_remote: bool,
    /// Fetches a remote document by URL (used only when `allow_remote`).
    pub fetch: Option<Fetcher>,
    /// Serve `http(s)` refs from local folders instead of the network.
    pub url_maps: Vec<UrlMap>,
    /// Read past slips that touch only documentation or have one obvious reading (a `null`
    /// description, `type: int`, `minimum: "0"`; the list is [`crate::LENIENT_READINGS`]):
    /// each is a warning saying what was assumed instead of an error, and schemas are
    /// repaired in the store so that the generator reads what was assumed. Linters leave it
    /// off; generators turn it on unless their user asks for strictness.
    pub lenient: bool,
    /// How many bytes the document's files may hold together; `None` is
    /// [`crate::source::DEFAULT_MAX_BYTES`]. A file that would pass it is an error at the ref
    /// (at the document, for the root), read no further than the limit.
    pub max_bytes: Option<u64>,
}

impl LoadOptions {
    /// The size limit in effect.
    pub fn max_bytes(&self) -> u64 {
        self.max_bytes.unwrap_or(source::DEFAULT_MAX_BYTES)
    }
}

/// Fetches the text of a remote document; `Err` says why it could not.
#[derive(Clone)]
pub struct Fetcher(pub std::sync::Arc<FetchFn>);

/// The function behind a [`Fetcher`]: URL in, document text or the reason out.
pub type FetchFn = dyn Fn(&str) -> Result<String, String> + Send + Sync;

impl std::fmt::Debug for Fetcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Fetcher(..)")
    }
}

/// `prefix` (e.g. `https://host/schemas/`) is read from `dir` (e.g. `./schemas/`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlMap {
    pub prefix: String,
    pub dir: PathBuf,
}

impl std::str::FromStr for UrlMap {
    type Err = String;
    /// Parses `PREFIX=DIR`, the form of `--map-url`.
    fn from_str(s: &str) -> Result<Self, String> {
        let (prefix, dir) = s
            .split_once('=')
            .ok_or_else(|| format!("expected PREFIX=DIR, got `{s}`"))?;
        if !(prefix.starts_with("http://") || prefix.starts_with("https://")) {
            return Err(format!("the prefix `{prefix}` is not an http(s) URL"));
        }
        if dir.is_empty() {
            return Err("the folder after `=` is empty".to_owned());
        }
        Ok(UrlMap {
            prefix: prefix.to_owned(),
            dir: PathBuf::from(dir),
        })
    }
}

/// A node in some file: the unit every location in the model is made of.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct Loc {
    pub file: FileId,
    /// JSON pointer inside the file.
    pub pointer: String,
}

impl Loc {
    pub fn new(file: FileId, pointer: impl Into<String>) -> Self {
        Loc {
            file,
            pointer: pointer.into(),
        }
    }
    /// The location of a member or item below this one.
    pub fn child(&self, token: &str) -> Loc {
        Loc {
            file: self.file,
            pointer: pointer::push(&self.pointer, token),
        }
    }
}

/// A change to one node of a file's value: how a lenient load repairs a schema.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Edit {
    pub at: Loc,
    pub change: Change,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Change {
    /// Remove the member (objects only, so that no other pointer moves).
    Remove,
    /// Put this value in place of the node.
    Replace(Value),
}

impl Change {
    /// Applies the change to the node at `pointer` below `root`; a node that is not there is
    /// left alone.
    pub fn apply(&self, root: &mut Value, pointer: &str) {
        match self {
            Change::Replace(v) => {
                if let Some(node) = root.pointer_mut(pointer) {
                    *node = v.clone();
                }
            }
            Change::Remove => {
                let parent = pointer.rfind('/').map_or("", |i| &pointer[..i]);
                let key = pointer::last_token(pointer);
                if let Some(Value::Object(map)) = root.pointer_mut(parent) {
                    map.shift_remove(&key);
                }
            }
        }
    }
}

/// Why a `$ref` did not resolve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefError {
    /// Text that is not a reference we understand.
    Malformed(String),
    /// An `http(s)` ref with no mapping while remote refs are not allowed.
    RemoteRefused { url: String },
    /// An `http(s)` ref with no mapping while remote refs are allowed but cannot be fetched.
    RemoteUnavailable { url: String },
    /// A file ref that leaves the root folder.
    /// `link` is the symbolic link inside the root that `path` was reached through.
    OutsideRoot {
        path: PathBuf,
        link: Option<PathBuf>,
        root: PathBuf,
    },
    /// A mapped `http(s)` ref whose path climbs out of the folder its prefix is mapped to.
    OutsideMappedDir {
        url: String,
        prefix: String,
        dir: PathBuf,
        path: PathBuf,
    },
    /// The target file could not be read or parsed.
    Unreadable { path: PathBuf, reason: String },
    /// The file exists but the pointer does not.
    MissingPointer {
        path: PathBuf,
        pointer: String,
        found: String,
        token: String,
    },
}

impl std::fmt::Display for RefError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RefError::Malformed(why) => write!(f, "{why}"),
            RefError::RemoteRefused { url } => write!(
                f,
                "remote reference `{url}` refused: remote refs are only followed when asked (--allow-remote), or map the URL to a local folder with --map-url PREFIX=DIR"
            ),
            RefError::RemoteUnavailable { url } => write!(
                f,
                "remote reference `{url}` cannot be fetched: this build has no HTTP client; download it and map it with --map-url PREFIX=DIR"
            ),
            RefError::OutsideRoot { path, link, root } => {
                if let Some(link) = link {
                    write!(
                        f,
                        "`{}` is a symbolic link to `{}`, which ",
                        link.display(),
                        path.display()
                    )?;
                } else {
                    write!(f, "file reference `{}` ", path.display())?;
                }
                write!(
                    f,
                    "leaves the spec's root folder `{}` (allow it with --allow-outside-root or choose --root)",
                    root.display()
                )
            }
            RefError::OutsideMappedDir {
                url,
                prefix,
                dir,
                path,
            } => write!(
                f,
                "remote reference `{url}` climbs out of its mapped folder: `{prefix}` is mapped to `{}`, but the reference leads to `{}`",
                dir.display(),
                path.display()
            ),
            RefError::Unreadable { path, reason } => {
                write!(f, "cannot read `{}`: {reason}", path.display())
            }
            RefError::MissingPointer {
                path,
                pointer,
                found,
                token,
            } => {
                let at = if found.is_empty() {
                    "the document root".to_owned()
                } else {
                    format!("`{found}`")
                };
                write!(
                    f,
                    "`{pointer}` does not exist in `{}`: {at} has no `{token}`",
                    path.display()
                )
            }
        }
    }
}

/// Where a `$ref` string leads before its file is looked up.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    SameFile {
        pointer: String,
    },
    File {
        path: PathBuf,
        pointer: String,
    },
    /// A document fetched by URL (its key in the store is the URL).
    Remote {
        url: String,
        pointer: String,
    },
}

/// Every file of a document, by id.
#[derive(Debug)]
pub struct Store {
    files: Vec<SourceFile>,
    /// The canonical path of each file, by id: the base of its relative refs.
    keys: Vec<PathBuf>,
    by_path: HashMap<PathBuf, FileId>,
    failed: HashMap<PathBuf, String>,
    /// Syntax errors of files, reported once each.
    pub(crate) syntax_errors: BTreeMap<PathBuf, SyntaxError>,
    root: PathBuf,
    opts: LoadOptions,
    /// Bytes of text held so far, against [`LoadOptions::max_bytes`].
    bytes: u64,
}

impl Store {
    /// Reads the root document. The root must parse; its refs are loaded by [`Self::load_closure`].
    pub fn open(path: &Path, opts: LoadOptions) -> Result<Store, ReadError> {
        let file = source::read_file_within(path, opts.max_bytes())?;
        let bytes = file.text.len() as u64;
        let key = canonical(path);
        let root = match &opts.root {
            Some(r) => canonical(r),
            None => key.parent().map(Path::to_path_buf).unwrap_or_default(),
        };
        let mut store = Store {
            files: Vec::new(),
            keys: Vec::new(),
            by_path: HashMap::new(),
            failed: HashMap::new(),
            syntax_errors: BTreeMap::new(),
            root,
            opts,
            bytes,
        };
        store.by_path.insert(key.clone(), FileId(0));
        store.keys.push(key);
        store.files.push(file);
        Ok(store)
    }

    /// A store made from text held in memory (tests, stdin); `path` names it in diagnostics and
    /// is the base of its relative refs. Text in memory has no file name to trust, so JSON or
    /// YAML is chosen by content alone ([`parse::parse`]).
    pub fn from_text(path: &Path, text: String, opts: LoadOptions) -> Result<Store, ReadError> {
        let limit = opts.max_bytes();
        if text.len() as u64 > limit {
            return Err(ReadError::TooLarge { limit });
        }
        let (format, value) = parse::parse(&text).map_err(ReadError::Syntax)?;
        let bytes = text.len() as u64;
        let key = absolute(path);
        let root = match &opts.root {
            Some(r) => canonical(r),
            None => key.parent().map(Path::to_path_buf).unwrap_or_default(),
        };
        let mut store = Store {
            files: vec![SourceFile {
                path: path.to_path_buf(),
                text,
                format,
                value,
            }],
            keys: vec![key.clone()],
            by_path: HashMap::new(),
            failed: HashMap::new(),
            syntax_errors: BTreeMap::new(),
            root,
            opts,
            bytes,
        };
        store.by_path.insert(key, FileId(0));
        Ok(store)
    }

    /// The options the store was opened with.
    pub fn options(&self) -> &LoadOptions {
        &self.opts
    }

    /// Applies the edits a lenient load made to repair schemas.
    pub(crate) fn apply(&mut self, edits: Vec<Edit>) {
        for e in edits {
            let file = &mut self.files[e.at.file.0 as usize];
            e.change.apply(&mut file.value, &e.at.pointer);
        }
    }

    /// The root document.
    pub fn root_id(&self) -> FileId {
        FileId(0)
    }

    pub fn file(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    pub fn files(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(i as u32), f))
    }

    /// The value at a location. Locations handed out by the loader always exist.
    pub fn get(&self, loc: &Loc) -> Option<&Value> {
        pointer::get(&self.file(loc.file).value, &loc.pointer).ok()
    }

    /// Reads every file that a `$ref` string in an already loaded file points at, transitively.
    /// Failures are remembered, not reported: only refs that the document really uses are errors.
    pub fn load_closure(&mut self) {
        let mut next = 0;
        while next < self.files.len() {
            let id = FileId(next as u32);
            let mut refs = Vec::new();
            collect_refs(&self.files[next].value, &mut refs);
            for r in refs {
                match self.target(id, &r) {
                    Ok(Target::File { path, .. }) => self.ensure_loaded(&path),
                    Ok(Target::Remote { url, .. }) => self.ensure_fetched(&url),
                    _ => {}
                }
            }
            next += 1;
        }
    }

    /// Adds a loaded file under its key (canonical path or URL).
    fn add(&mut self, key: PathBuf, file: SourceFile) {
        let id = FileId(self.files.len() as u32);
        self.files.push(file);
        self.keys.push(key.clone());
        self.by_path.insert(key, id);
    }

    fn ensure_fetched(&mut self, url: &str) {
        let key = PathBuf::from(url);
        if self.by_path.contains_key(&key) || self.failed.contains_key(&key) {
            return;
        }
        let Some(fetch) = self.opts.fetch.clone() else {
            return;
        };
        match (fetch.0)(url) {
            Ok(text) if text.len() as u64 > self.opts.max_bytes().saturating_sub(self.bytes) => {
                let limit = self.opts.max_bytes();
                self.failed.insert(key, source::too_large(limit));
            }
            Ok(text) => match parse::parse(&text) {
                Ok((format, value)) => {
                    self.bytes += text.len() as u64;
                    self.add(
                        key.clone(),
                        SourceFile {
                            path: key,
                            text,
                            format,
                            value,
                        },
                    );
                }
                Err(e) => {
                    self.failed.insert(
                        key,
                        format!("{} (line {}, column {})", e.message, e.line, e.column),
                    );
                }
            },
            Err(e) => {
                self.failed.insert(key, format!("cannot fetch: {e}"));
            }
        }
    }

    fn ensure_loaded(&mut self, path: &Path) {
        if self.by_path.contains_key(path) || self.failed.contains_key(path) {
            return;
        }
        let left = self.opts.max_bytes().saturating_sub(self.bytes);
        match source::read_file_within(path, left) {
            Ok(file) => {
                self.bytes += file.text.len() as u64;
                self.add(path.to_path_buf(), file);
            }
            Err(ReadError::Io(e)) => {
                self.failed.insert(path.to_path_buf(), e);
            }
            Err(ReadError::TooLarge { .. }) => {
                let limit = self.opts.max_bytes();
                self.failed
                    .insert(path.to_path_buf(), source::too_large(limit));
            }
            Err(ReadError::Syntax(e)) => {
                // The error itself is reported in the file, with the parser's context
                // (`while parsing ... at line L column C`); a ref to the file names its head.
                let head = e.message.split(", while ").next().unwrap_or(&e.message);
                self.failed.insert(
                    path.to_path_buf(),
                    format!("{head} (line {}, column {})", e.line, e.column),
                );
                self.syntax_errors.insert(path.to_path_buf(), e);
            }
        }
    }

    /// Resolves `reference` written in file `from` to a location whose value exists.
    pub fn resolve(&self, from: FileId, reference: &str) -> Result<Loc, RefError> {
        let (file, pointer) = match self.target(from, reference)? {
            Target::SameFile { pointer } => (from, pointer),
            Target::File { path, pointer } => match self.by_path.get(&path) {
                Some(id) => (*id, pointer),
                None => {
                    let reason = self
                        .failed
                        .get(&path)
                        .cloned()
                        .unwrap_or_else(|| "not loaded".to_owned());
                    return Err(RefError::Unreadable { path, reason });
                }
            },
            Target::Remote { url, pointer } => {
                let key = PathBuf::from(&url);
                match self.by_path.get(&key) {
                    Some(id) => (*id, pointer),
                    None => {
                        let reason = self
                            .failed
                            .get(&key)
                            .cloned()
                            .unwrap_or_else(|| "not fetched".to_owned());
                        return Err(RefError::Unreadable { path: key, reason });
                    }
                }
            }
        };
        match pointer::get(&self.file(file).value, &pointer) {
            Ok(_) => Ok(Loc { file, pointer }),
            Err(LookupError::Malformed) => Err(RefError::Malformed(format!(
                "the fragment of `{reference}` is not a JSON pointer (it must start with `/`)"
            ))),
            Err(LookupError::Missing { found, token }) => Err(RefError::MissingPointer {
                path: self.file(file).path.clone(),
                pointer,
                found,
                token,
            }),
        }
    }

    /// A ref rewritten so that it resolves the same from any file (absolute path + fragment).
    pub fn absolutize(&self, from: FileId, reference: &str) -> String {
        match self.target(from, reference) {
            Ok(Target::SameFile { pointer }) => {
                format!(
                    "{}#{}",
                    self.keys[from.0 as usize].display(),
                    encode_fragment(&pointer)
                )
            }
            Ok(Target::File { path, pointer }) => {
                format!("{}#{}", path.display(), encode_fragment(&pointer))
            }
            Ok(Target::Remote { url, pointer }) => format!("{url}#{}", encode_fragment(&pointer)),
            Err(_) => reference.to_owned(),
        }
    }

    fn target(&self, from: FileId, reference: &str) -> Result<Target, RefError> {
        let (uri, fragment) = match reference.split_once('#') {
            Some((u, f)) => (u, f),
            None => (reference, ""),
        };
        let pointer = percent_decode_str(fragment)
            .decode_utf8()
            .map_err(|_| {
                RefError::Malformed(format!(
                    "the fragment of `{reference}` is not valid UTF-8 once percent-decoded"
                ))
            })?
            .into_owned();
        if !pointer.is_empty() && !pointer.starts_with('/') {
            return Err(RefError::Malformed(format!(
                "`{reference}` uses a plain-name fragment; only JSON pointer fragments (`#/...`) are supported"
            )));
        }
        if uri.is_empty() {
            return Ok(Target::SameFile { pointer });
        }
        // A relative ref inside a fetched document is relative to that document's URL.
        let base_key = self.keys[from.0 as usize].to_string_lossy().into_owned();
        let joined;
        let uri = if is_url(&base_key) && !uri.contains("://") {
            joined = join_url(&base_key, uri);
            joined.as_str()
        } else {
            uri
        };
        let lower = uri.to_ascii_lowercase();
        if lower.starts_with("http://") || lower.starts_with("https://") {
            let mapped = self
                .opts
                .url_maps
                .iter()
                .filter(|m| uri.starts_with(&m.prefix))
                .max_by_key(|m| m.prefix.len());
            let Some(map) = mapped else {
                if self.opts.allow_remote && self.opts.fetch.is_some() {
                    return Ok(Target::Remote {
                        url: uri.to_owned(),
                        pointer,
                    });
                }
                return Err(if self.opts.allow_remote {
                    RefError::RemoteUnavailable {
                        url: uri.to_owned(),
                    }
                } else {
                    RefError::RemoteRefused {
                        url: uri.to_owned(),
                    }
                });
            };
            let rest = decode_path(&uri[map.prefix.len()..], reference)?;
            let dir = canonical(&map.dir);
            let path = normalize(&dir.join(rest));
            // A symbolic link inside the folder may lead out of it: where it leads is checked.
            let real = canonical(&path);
            if !real.starts_with(&dir) {
                return Err(RefError::OutsideMappedDir {
                    url: uri.to_owned(),
                    prefix: map.prefix.clone(),
                    dir,
                    path: real,
                });
            }
            return Ok(Target::File { path, pointer });
        }
        let raw = if let Some(rest) = lower.strip_prefix("file://") {
            let _ = rest;
            &uri["file://".len()..]
        } else if lower.contains("://") {
            return Err(RefError::Malformed(format!(
                "`{reference}` uses an unsupported URL scheme"
            )));
        } else {
            uri
        };
        let rel = decode_path(raw, reference)?;
        let base = self.base_dir(from);
        let path = normalize(&base.join(rel));
        // A symbolic link inside the root may lead out of it: where it leads is checked.
        let real = canonical(&path);
        if !self.opts.allow_outside_root
            && !real.starts_with(&self.root)
            && !self.in_mapped_dir(&real)
        {
            return Err(RefError::OutsideRoot {
                link: (real != path).then_some(path),
                path: real,
                root: self.root.clone(),
            });
        }
        Ok(Target::File { path, pointer })
    }

    fn in_mapped_dir(&self, path: &Path) -> bool {
        self.opts
            .url_maps
            .iter()
            .any(|m| path.starts_with(canonical(&m.dir)))
    }

    fn base_dir(&self, from: FileId) -> PathBuf {
        self.keys[from.0 as usize]
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default()
    }
}

fn is_url(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// Resolves a relative reference against a base URL (RFC 3986 for the common cases: a
/// path relative to the base's folder, or absolute from its host; `.` and `..` removed).
fn join_url(base: &str, rel: &str) -> String {
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    let origin = &base[..host_end];
    let base_path = base[host_end..].split(['?', '#']).next().unwrap_or("");
    let path = if rel.starts_with('/') {
        rel.to_owned()
    } else {
        let dir = match base_path.rfind('/') {
            Some(i) => &base_path[..=i],
            None => "/",
        };
        format!("{dir}{rel}")
    };
    let mut out: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split('/').collect();
    for (i, seg) in segments.iter().enumerate() {
        match *seg {
            "." => {}
            ".." if out.len() > 1 => {
                out.pop();
            }
            ".." => {}
            s if i == 0 || !s.is_empty() || i == segments.len() - 1 => out.push(s),
            _ => {}
        }
    }
    format!("{origin}{}", out.join("/"))
}

fn decode_path(raw: &str, reference: &str) -> Result<PathBuf, RefError> {
    percent_decode_str(raw)
        .decode_utf8()
        .map(|s| PathBuf::from(s.into_owned()))
        .map_err(|_| {
            RefError::Malformed(format!(
                "the path of `{reference}` is not valid UTF-8 once percent-decoded"
            ))
        })
}

fn encode_fragment(pointer: &str) -> String {
    pointer.replace('%', "%25").replace('#', "%23")
}

/// Every string under a `$ref` key, anywhere in the value.
fn collect_refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                if k == "$ref" {
                    if let Value::String(s) = v {
                        out.push(s.clone());
                    }
                } else {
                    collect_refs(v, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

fn absolute(path: &Path) -> PathBuf {
    if path.is_absolute() {
        normalize(path)
    } else {
        let cwd = std::env::current_dir().unwrap_or_default();
        normalize(&cwd.join(path))
    }
}

/// The canonical path when the file exists (symlinks resolved), else the normalized absolute one.
fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| absolute(path))
}

/// Removes `.` and `..` components without touching the file system.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    // Resolve symlinks of the folders that exist, so that the root check compares like with like.
    match (out.parent(), out.file_name()) {
        (Some(dir), Some(name)) => match std::fs::canonicalize(dir) {
            Ok(dir) => dir.join(name),
            Err(_) => out,
        },
        _ => out,
    }
}

#[cfg(test)]
mod url_tests {
    use super::join_url;

    #[test]
    fn joins_relative_refs_to_urls() {
        assert_eq!(
            join_url("https://h.example/a/b/c.yaml", "d.yaml"),
            "https://h.example/a/b/d.yaml"
        );
        assert_eq!(
            join_url("https://h.example/a/b/c.yaml", "./d.yaml"),
            "https://h.example/a/b/d.yaml"
        );
        assert_eq!(
            join_url("https://h.example/a/b/c.yaml", "../d.yaml"),
            "https://h.example/a/d.yaml"
        );
        assert_eq!(
            join_url("https://h.example/a/b/c.yaml", "/x/y.yaml"),
            "https://h.example/x/y.yaml"
        );
        assert_eq!(
            join_url("https://h.example/c.yaml", "../../d.yaml"),
            "https://h.example/d.yaml"
        );
    }
}
