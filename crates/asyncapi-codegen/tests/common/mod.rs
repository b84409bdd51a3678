//! Helpers shared by the integration tests: the snapshot cases and their settings, scratch
//! cargo workspaces under `target/` (written only where a file changed, so cargo rebuilds only
//! what changed), and the shared corpus.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use asyncapi_codegen::{Output, Perspective, RuntimeDep, Settings};
use asyncapi_model::{Document, LoadOptions, UrlMap};

pub fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn snapshots_dir() -> PathBuf {
    manifest_dir().join("tests/snapshots")
}

/// `crates/asyncapi-runtime`, absolute, for generated crates built in a scratch workspace.
pub fn runtime_dir() -> PathBuf {
    let p = manifest_dir().join("../asyncapi-runtime");
    std::fs::canonicalize(&p).unwrap_or(p)
}

/// One snapshot case: `tests/snapshots/<name>.yaml`, with its options in leading comments:
///
/// ```text
/// # settings: typed_formats=false newtypes=false open_enums=false lossless=false perspective=client
/// # files: types messages router handlers publisher
/// ```
///
/// Without `# files:` only `src/types.rs` is compared.
#[derive(Debug, Clone)]
pub struct Case {
    pub name: String,
    pub path: PathBuf,
    pub settings: Settings,
    /// Files of the generated crate compared with `<name>.<file>.rs`, e.g. `types`.
    pub files: Vec<String>,
    /// Features of the generated crate the compile test turns on (`# features: ...`).
    pub features: Vec<String>,
}

pub fn cases() -> Vec<Case> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(snapshots_dir())
        .expect("read tests/snapshots")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    paths.sort();
    paths.into_iter().map(|p| case(&p)).collect()
}

fn case(path: &Path) -> Case {
    let name = path
        .file_stem()
        .and_then(|s| s.to_str())
        .expect("a case name")
        .to_owned();
    let text = std::fs::read_to_string(path).expect("read a case");
    let mut settings = Settings {
        crate_name: format!("snapshot-{name}"),
        source_label: format!("tests/snapshots/{name}.yaml"),
        runtime: RuntimeDep::Path("../asyncapi-runtime".to_owned()),
        ..Settings::default()
    };
    let mut files = vec!["types".to_owned()];
    let mut features = Vec::new();
    for line in text.lines().take_while(|l| l.starts_with('#')) {
        if let Some(rest) = line.strip_prefix("# settings:") {
            for kv in rest.split_whitespace() {
                let (k, v) = kv.split_once('=').unwrap_or((kv, "true"));
                let b = v == "true";
                match k {
                    "typed_formats" => settings.types.typed_formats = b,
                    "newtypes" => settings.types.newtypes = b,
                    "open_enums" => settings.types.open_enums = b,
                    "lossless" => settings.types.lossless = b,
                    "perspective" => {
                        settings.perspective = v.parse::<Perspective>().expect("a perspective")
                    }
                    other => panic!("{}: unknown setting `{other}`", path.display()),
                }
            }
        } else if let Some(rest) = line.strip_prefix("# files:") {
            files = rest.split_whitespace().map(str::to_owned).collect();
        } else if let Some(rest) = line.strip_prefix("# features:") {
            features = rest.split_whitespace().map(str::to_owned).collect();
        }
    }
    Case {
        name,
        path: path.to_path_buf(),
        settings,
        files,
        features,
    }
}

/// Loads a document with the default options, failing the test with every diagnostic.
pub fn load(path: &Path) -> Document {
    asyncapi_model::load(path, &LoadOptions::default())
        .unwrap_or_else(|e| panic!("{} does not load:\n{e}", path.display()))
}

/// Generates, failing the test on an internal error.
pub fn generate(doc: &Document, settings: &Settings, what: &str) -> Output {
    asyncapi_codegen::generate(doc, settings).unwrap_or_else(|e| panic!("{what}: {e}"))
}

/// Writes `text` to `path` unless it already holds exactly that (cargo rebuilds by mtime).
pub fn write_if_changed(path: &Path, text: &str) {
    if std::fs::read_to_string(path).is_ok_and(|old| old == text) {
        return;
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("create a scratch folder");
    }
    std::fs::write(path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

/// Writes a generated crate into `dir` for compiling under `#![deny(warnings)]` (added to the
/// scratch copy of `lib.rs` only), and removes files of an earlier run it no longer has.
pub fn write_crate(dir: &Path, output: &Output) {
    for (rel, text) in &output.files {
        let text = if rel == "src/lib.rs" {
            format!("#![deny(warnings)]\n{text}")
        } else {
            text.clone()
        };
        write_if_changed(&dir.join(rel), &text);
    }
    remove_stale(dir, dir, &output.files);
}

fn remove_stale(root: &Path, dir: &Path, keep: &BTreeMap<String, String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            remove_stale(root, &p, keep);
            continue;
        }
        let rel = p
            .strip_prefix(root)
            .map(|r| r.to_string_lossy().replace('\\', "/"))
            .unwrap_or_default();
        if !keep.contains_key(&rel) {
            let _ = std::fs::remove_file(&p);
        }
    }
}

/// A scratch cargo workspace under `target/` (`CARGO_TARGET_TMPDIR`), with its own
/// `[workspace]` so that cargo never attributes it to this repository's workspace.
pub struct Scratch {
    pub dir: PathBuf,
}

/// Shared by every scratch workspace, so that dependencies build once.
pub fn scratch_target_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("asyncapi-codegen-scratch-target")
}

impl Scratch {
    pub fn new(name: &str) -> Scratch {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
        std::fs::create_dir_all(&dir).expect("create the scratch workspace");
        // The repository's lock file pins versions the offline registry cache has.
        let lock = dir.join("Cargo.lock");
        if !lock.exists() {
            if let Ok(text) = std::fs::read_to_string(manifest_dir().join("../../Cargo.lock")) {
                write_if_changed(&lock, &text);
            }
        }
        Scratch { dir }
    }

    /// Writes the workspace manifest and removes member folders not listed.
    pub fn set_members(&self, members: &[String]) {
        let mut s = String::from(
            "# Written by the asyncapi-codegen tests.\n[workspace]\nresolver = \"3\"\nmembers = [\n",
        );
        for m in members {
            let _ = writeln!(s, "    \"{m}\",");
        }
        s.push_str("]\n\n[profile.dev]\ndebug = 0\n\n[profile.dev.package.\"*\"]\ndebug = 0\n");
        write_if_changed(&self.dir.join("Cargo.toml"), &s);
        if let Ok(entries) = std::fs::read_dir(&self.dir) {
            for e in entries.flatten() {
                let p = e.path();
                let name = e.file_name().to_string_lossy().into_owned();
                if p.is_dir() && !members.contains(&name) {
                    let _ = std::fs::remove_dir_all(&p);
                }
            }
        }
    }

    /// Runs `cargo <args> --offline` on the workspace; `Err` carries cargo's output.
    pub fn cargo(&self, args: &[&str]) -> Result<String, String> {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
        let started = std::time::Instant::now();
        let (command, rest) = args.split_first().expect("a cargo command");
        let out = Command::new(cargo)
            .arg(command)
            .arg("--offline")
            .arg("--manifest-path")
            .arg(self.dir.join("Cargo.toml"))
            .args(rest)
            .current_dir(&self.dir)
            .env("CARGO_TARGET_DIR", scratch_target_dir())
            .env_remove("RUSTFLAGS")
            .env_remove("CARGO_ENCODED_RUSTFLAGS")
            .env_remove("CARGO_BUILD_TARGET_DIR")
            .output()
            .expect("run cargo");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        eprintln!(
            "cargo {} in {}: {:.1?}",
            args.join(" "),
            self.dir.display(),
            started.elapsed()
        );
        if out.status.success() {
            Ok(text)
        } else {
            Err(text)
        }
    }
}

/// The shared corpus (`../shared/corpus` from the repository), when present.
pub fn corpus_dir() -> Option<PathBuf> {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared")).join("corpus");
    let dir = std::fs::canonicalize(dir).ok()?;
    dir.join("SOURCES.tsv").is_file().then_some(dir)
}

/// The root documents of the corpus: `SOURCES.tsv` rows whose `asyncapi_version` is not `-`.
pub fn corpus_roots(corpus: &Path) -> Vec<String> {
    let tsv = std::fs::read_to_string(corpus.join("SOURCES.tsv")).expect("read SOURCES.tsv");
    let mut lines = tsv.lines();
    let header: Vec<&str> = lines.next().expect("a header").split('\t').collect();
    assert_eq!(header.first(), Some(&"file"));
    assert_eq!(header.get(4), Some(&"asyncapi_version"));
    lines
        .filter(|l| !l.trim().is_empty())
        .filter_map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            (cols.get(4).is_some_and(|v| *v != "-")).then(|| cols[0].to_owned())
        })
        .collect()
}

/// The `http(s)` prefixes the corpus refers to, served from `_url-refs/<host>/`.
pub fn corpus_url_maps(corpus: &Path) -> Vec<UrlMap> {
    let refs = corpus.join("_url-refs");
    [
        "www.asyncapi.com",
        "deploy-preview-921--asyncapi-website.netlify.app",
        "raw.githubusercontent.com",
    ]
    .iter()
    .map(|host| UrlMap {
        prefix: format!("https://{host}/"),
        dir: refs.join(host),
    })
    .collect()
}

pub fn corpus_options(corpus: &Path) -> LoadOptions {
    LoadOptions {
        root: Some(corpus.to_path_buf()),
        url_maps: corpus_url_maps(corpus),
        ..LoadOptions::default()
    }
}

/// A cargo package name for a corpus file: `corpus-<file with punctuation as dashes>`.
pub fn crate_name_for(file: &str) -> String {
    let stem = file
        .strip_suffix(".yaml")
        .or_else(|| file.strip_suffix(".yml"))
        .or_else(|| file.strip_suffix(".json"))
        .unwrap_or(file);
    let mut s = String::from("corpus-");
    let mut dash = false;
    for c in stem.chars() {
        if c.is_ascii_alphanumeric() {
            s.push(c.to_ascii_lowercase());
            dash = false;
        } else if !dash {
            s.push('-');
            dash = true;
        }
    }
    s.trim_end_matches('-').to_owned()
}
