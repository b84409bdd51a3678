//! Helpers shared by the integration tests: writing multi-file specs into a temporary folder,
//! loading them, and rendering diagnostics with stable (relative) paths.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use asyncapi_model::{Diagnostics, Document, LoadError, LoadOptions};

/// A temporary folder holding the files of one test spec.
pub struct Spec {
    pub dir: tempfile::TempDir,
    /// The canonical path of `dir`: what the loader reports for referenced files.
    pub base: PathBuf,
}

impl Spec {
    /// Writes `files` (path relative to the folder, content) into a new temporary folder.
    pub fn new(files: &[(&str, &str)]) -> Spec {
        let dir = tempfile::tempdir().expect("create a temporary folder");
        let base = std::fs::canonicalize(dir.path()).expect("canonicalize the temporary folder");
        let spec = Spec { dir, base };
        for (name, text) in files {
            spec.write(name, text);
        }
        spec
    }

    pub fn write(&self, name: &str, text: &str) {
        let path = self.base.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create the folders of a spec file");
        }
        std::fs::write(&path, text).expect("write a spec file");
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.base.join(name)
    }

    /// Loads `name` with the default options.
    pub fn load(&self, name: &str) -> Result<Document, LoadError> {
        self.load_with(name, &LoadOptions::default())
    }

    pub fn load_with(&self, name: &str, opts: &LoadOptions) -> Result<Document, LoadError> {
        asyncapi_model::load(&self.path(name), opts)
    }

    /// Loads `name`, panicking with the rendered diagnostics when it fails.
    pub fn ok(&self, name: &str) -> Document {
        self.ok_with(name, &LoadOptions::default())
    }

    pub fn ok_with(&self, name: &str, opts: &LoadOptions) -> Document {
        match self.load_with(name, opts) {
            Ok(doc) => doc,
            Err(e) => panic!("{name} should load, but:\n{}", self.render(&e.diagnostics)),
        }
    }

    /// Loads `name`, expecting it to fail, and returns its rendered diagnostics.
    pub fn err(&self, name: &str) -> String {
        self.err_with(name, &LoadOptions::default())
    }

    pub fn err_with(&self, name: &str, opts: &LoadOptions) -> String {
        match self.load_with(name, opts) {
            Ok(doc) => panic!(
                "{name} should not load; warnings:\n{}",
                self.render(&doc.diagnostics)
            ),
            Err(e) => self.render(&e.diagnostics),
        }
    }

    /// Every diagnostic's Display line with this folder's path removed.
    pub fn render(&self, diags: &Diagnostics) -> String {
        render(diags, &self.base)
    }
}

/// Every diagnostic's Display line, one a line, with `base/` removed wherever it appears.
pub fn render(diags: &Diagnostics, base: &Path) -> String {
    let prefix = format!("{}/", base.display());
    diags
        .iter()
        .map(|d| format!("{d}\n").replace(&prefix, ""))
        .collect()
}

/// Loads a spec held in memory, named `spec.yaml` in the current folder.
pub fn load_text(text: &str) -> Result<Document, LoadError> {
    asyncapi_model::load_str(
        Path::new("spec.yaml"),
        text.to_owned(),
        &LoadOptions::default(),
    )
}

/// Loads a spec held in memory, panicking with the diagnostics when it fails.
pub fn ok_text(text: &str) -> Document {
    match load_text(text) {
        Ok(doc) => doc,
        Err(e) => panic!("the spec should load, but:\n{e}"),
    }
}

/// Loads a spec held in memory, expecting it to fail; returns the rendered diagnostics.
pub fn err_text(text: &str) -> String {
    match load_text(text) {
        Ok(doc) => panic!("the spec should not load; warnings:\n{}", doc.diagnostics),
        Err(e) => e.diagnostics.to_string(),
    }
}

/// A YAML text as pretty JSON text (same content, other syntax).
pub fn yaml_to_json(yaml: &str) -> String {
    let v: serde_json::Value = serde_yaml::from_str(yaml).expect("test YAML parses");
    serde_json::to_string_pretty(&v).expect("a JSON value serializes")
}

/// The shared folder next to the project, when present.
pub fn shared_dir() -> Option<PathBuf> {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared"));
    dir.is_dir()
        .then(|| std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf()))
}
