//! `cargo xtask corpus [DIR...]`: how the generator does on documents other people wrote.
//!
//! Every document of each folder is loaded (leniently, as `asyncapi-gen generate` does, unless
//! `--strict`) and generated into one scratch cargo workspace with one target folder; then
//! `cargo clippy` runs once over all the crates (it runs every pass of `cargo check` before
//! its lints, so one run finds both compile errors and warnings), and each compiler message
//! is charged to the crate it is about. The table goes to standard output and to a Markdown file
//! (`docs/conformance.md` for the shared corpus). The run fails on a panic or an internal
//! error of the generator, a compile error, or any rustc or clippy warning in generated code;
//! a document the loader rejects is not a failure of the generator, and its first located
//! diagnostic and the reason it is the document's fault are in the report.
//!
//! Which files are documents: every `.yaml`, `.yml` and `.json` file directly in a folder,
//! and in its sub-folders (sets of files that refer to each other) those with a top-level
//! `asyncapi` field. A set's folder is the root its refs must stay in; `http(s)` refs are
//! served from `<DIR>/_url-refs/<host>/` when that folder exists, never from the network.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use asyncapi_codegen::{RuntimeDep, Settings};
use asyncapi_model::{Diagnostic, LoadOptions, UrlMap};

/// What `cargo xtask corpus` was asked to do.
#[derive(Debug)]
pub struct Options {
    pub dirs: Vec<PathBuf>,
    /// Where the report is written.
    pub out: PathBuf,
    /// The scratch workspace the crates are generated into.
    pub scratch: PathBuf,
    /// Cargo's target folder for the scratch workspace.
    pub target_dir: PathBuf,
    pub strict: bool,
    /// Pass `--offline` to cargo.
    pub offline: bool,
}

/// One document and what became of it.
#[derive(Debug)]
struct Entry {
    /// The document as the report names it: relative to its folder (prefixed with the
    /// folder's name when there are several folders).
    name: String,
    path: PathBuf,
    root: PathBuf,
    url_maps: Vec<UrlMap>,
    version: String,
    channels: usize,
    messages: usize,
    types: usize,
    warnings: usize,
    time: Duration,
    /// The scratch crate's package name, once generated.
    package: Option<String>,
    outcome: Outcome,
}

#[derive(Debug)]
enum Outcome {
    /// Generated; what cargo said is added later.
    Generated,
    Rejected(Diagnostic),
    /// The generator panicked or reported an internal error.
    Panic(String),
    CompileError(String),
    /// Compiled, with rustc or clippy warnings (the first one rendered).
    Warnings(usize, String),
}

/// Runs the task; `Err` when the generator failed on a document or its output does not pass.
pub fn run(opts: &Options, runtime: &Path) -> Result<(), String> {
    let mut entries = Vec::new();
    let several = opts.dirs.len() > 1;
    for dir in &opts.dirs {
        let dir = std::fs::canonicalize(dir)
            .map_err(|e| format!("cannot read the folder {}: {e}", dir.display()))?;
        let url_maps = url_maps(&dir);
        let prefix = if several {
            format!("{}/", dir.file_name().unwrap_or_default().to_string_lossy())
        } else {
            String::new()
        };
        for (path, root) in documents(&dir)? {
            let rel = path.strip_prefix(&dir).unwrap_or(&path);
            entries.push(Entry {
                name: format!("{prefix}{}", rel.to_string_lossy().replace('\\', "/")),
                path,
                root,
                url_maps: url_maps.clone(),
                version: String::new(),
                channels: 0,
                messages: 0,
                types: 0,
                warnings: 0,
                time: Duration::ZERO,
                package: None,
                outcome: Outcome::Generated,
            });
        }
    }
    if entries.is_empty() {
        return Err(format!(
            "no AsyncAPI documents (.yaml, .yml, .json) in {}",
            opts.dirs
                .iter()
                .map(|d| d.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }

    std::fs::create_dir_all(&opts.scratch)
        .map_err(|e| format!("cannot create {}: {e}", opts.scratch.display()))?;
    let mut members = Vec::new();
    let mut taken = BTreeMap::new();
    // The default hook would print each caught panic's message in the middle of the report.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    for entry in &mut entries {
        let package = unique_package(&entry.name, &mut taken);
        generate(entry, &package, opts, runtime);
        if matches!(entry.outcome, Outcome::Generated) {
            members.push(package.clone());
            entry.package = Some(package);
        }
    }
    std::panic::set_hook(hook);
    write_workspace(&opts.scratch, &members, runtime)?;

    if !members.is_empty() {
        let said = cargo(opts, "clippy")?;
        for entry in &mut entries {
            let Some(m) = entry.package.as_ref().and_then(|p| said.get(p)) else {
                continue;
            };
            if let Some(first) = m.errors.first() {
                entry.outcome = Outcome::CompileError(first.clone());
            } else if let Some(first) = m.warnings.first() {
                entry.outcome = Outcome::Warnings(m.warnings.len(), first.clone());
            }
        }
    }

    let report = report(&entries, opts);
    print!("{}", table(&entries));
    if let Some(parent) = opts.out.parent() {
        let _ = std::fs::create_dir_all(parent);
    }
    std::fs::write(&opts.out, &report)
        .map_err(|e| format!("cannot write {}: {e}", opts.out.display()))?;
    eprintln!("wrote {}", opts.out.display());

    let mut failures = Vec::new();
    for e in &entries {
        match &e.outcome {
            Outcome::Panic(m) => failures.push(format!("{}: the generator failed: {m}", e.name)),
            Outcome::CompileError(m) => failures.push(format!(
                "{}: the generated crate does not compile:\n{m}",
                e.name
            )),
            Outcome::Warnings(n, m) => failures.push(format!(
                "{}: the generated crate has {n} warning(s), the first:\n{m}",
                e.name
            )),
            Outcome::Generated | Outcome::Rejected(_) => {}
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(failures.join("\n\n"))
    }
}

/// The documents of `dir` with the root folder of each, in name order.
fn documents(dir: &Path) -> Result<Vec<(PathBuf, PathBuf)>, String> {
    let mut out = Vec::new();
    for path in sorted_entries(dir)? {
        if path.is_dir() {
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            if name.starts_with('_') || name.starts_with('.') || name == "target" {
                continue;
            }
            let mut nested = Vec::new();
            walk(&path, &mut nested)?;
            out.extend(
                nested
                    .into_iter()
                    .filter(|p| has_asyncapi_field(p))
                    .map(|p| (p, path.clone())),
            );
        } else if is_document_file(&path) {
            out.push((path, dir.to_path_buf()));
        }
    }
    Ok(out)
}

fn sorted_entries(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read the folder {}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    paths.sort();
    Ok(paths)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    for path in sorted_entries(dir)? {
        if path.is_dir() {
            walk(&path, out)?;
        } else if is_document_file(&path) {
            out.push(path);
        }
    }
    Ok(())
}

fn is_document_file(path: &Path) -> bool {
    matches!(
        path.extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref(),
        Some("yaml" | "yml" | "json")
    )
}

/// Whether a file in a set is an entry document rather than a file the others refer to.
fn has_asyncapi_field(path: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string(path) else {
        return false;
    };
    match serde_yaml::from_str::<serde_yaml::Value>(&text) {
        Ok(serde_yaml::Value::Mapping(m)) => m.contains_key("asyncapi"),
        _ => false,
    }
}

/// `https://<host>/` (and `http://`) served from `<dir>/_url-refs/<host>/`.
fn url_maps(dir: &Path) -> Vec<UrlMap> {
    let Ok(hosts) = sorted_entries(&dir.join("_url-refs")) else {
        return Vec::new();
    };
    hosts
        .into_iter()
        .filter(|p| p.is_dir())
        .flat_map(|p| {
            let host = p
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            ["https", "http"].map(|scheme| UrlMap {
                prefix: format!("{scheme}://{host}/"),
                dir: p.clone(),
            })
        })
        .collect()
}

/// A cargo package name for a document, unique in the run.
fn unique_package(name: &str, taken: &mut BTreeMap<String, usize>) -> String {
    let stem = [".yaml", ".yml", ".json"]
        .iter()
        .find_map(|ext| name.strip_suffix(ext))
        .unwrap_or(name);
    let base = format!("corpus-{}", asyncapi_codegen::config::crate_name_for(stem));
    // Cargo package names stay short enough for every file system.
    let mut base: String = base.chars().take(60).collect();
    while base.ends_with('-') {
        base.pop();
    }
    let n = taken.entry(base.clone()).or_insert(0);
    *n += 1;
    if *n == 1 { base } else { format!("{base}-{n}") }
}

/// Loads and generates one document into the scratch workspace.
fn generate(entry: &mut Entry, package: &str, opts: &Options, runtime: &Path) {
    let started = Instant::now();
    let load_opts = LoadOptions {
        root: Some(entry.root.clone()),
        url_maps: entry.url_maps.clone(),
        lenient: !opts.strict,
        ..LoadOptions::default()
    };
    let loaded = catch_unwind(AssertUnwindSafe(|| {
        asyncapi_model::load(&entry.path, &load_opts)
    }));
    let doc = match loaded {
        Err(panic) => {
            entry.time = started.elapsed();
            entry.outcome = Outcome::Panic(format!("the loader panicked: {}", panic_text(&panic)));
            return;
        }
        Ok(Err(e)) => {
            entry.time = started.elapsed();
            entry.version = version_of(&entry.path);
            let first = e
                .diagnostics
                .iter()
                .find(|d| d.is_error())
                .or_else(|| e.diagnostics.iter().next())
                .cloned();
            entry.outcome = match first {
                Some(d) => Outcome::Rejected(d),
                None => {
                    Outcome::Panic("the loader refused the document without a diagnostic".into())
                }
            };
            return;
        }
        Ok(Ok(doc)) => doc,
    };
    entry.version = doc.api.version.clone();
    entry.channels = doc.api.channels.len();
    entry.messages = doc.api.messages.len();
    entry.warnings = doc.diagnostics.iter().filter(|d| !d.is_error()).count();
    let settings = Settings {
        crate_name: package.to_owned(),
        runtime: RuntimeDep::Path(runtime.to_string_lossy().into_owned()),
        source_label: entry.name.clone(),
        ..Settings::default()
    };
    let generated = catch_unwind(AssertUnwindSafe(|| {
        asyncapi_codegen::generate(&doc, &settings)
    }));
    entry.time = started.elapsed();
    let output = match generated {
        Err(panic) => {
            entry.outcome =
                Outcome::Panic(format!("the generator panicked: {}", panic_text(&panic)));
            return;
        }
        Ok(Err(e)) => {
            entry.outcome = Outcome::Panic(e.to_string());
            return;
        }
        Ok(Ok(output)) => output,
    };
    entry.types = output.files.get("src/types.rs").map_or(0, |t| {
        t.lines()
            .filter(|l| {
                l.starts_with("pub struct ")
                    || l.starts_with("pub enum ")
                    || l.starts_with("pub type ")
            })
            .count()
    });
    if let Err(e) = asyncapi_codegen::write(
        &opts.scratch.join(package),
        &output.files,
        asyncapi_codegen::WriteMode::Write,
    ) {
        entry.outcome = Outcome::Panic(format!("cannot write the crate: {e}"));
    }
}

fn panic_text(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_owned())
}

/// The `asyncapi` field of a document the loader refused, when it can be read at all.
fn version_of(path: &Path) -> String {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|t| serde_yaml::from_str::<serde_yaml::Value>(&t).ok())
        .and_then(|v| {
            v.get("asyncapi").map(|v| match v {
                serde_yaml::Value::String(s) => s.clone(),
                other => serde_yaml::to_string(other)
                    .unwrap_or_default()
                    .trim()
                    .to_owned(),
            })
        })
        .unwrap_or_else(|| "?".to_owned())
}

/// The scratch workspace's manifest (members listed, earlier members' folders removed) and
/// a lock file, so that cargo resolves the versions this repository was tested with.
fn write_workspace(scratch: &Path, members: &[String], runtime: &Path) -> Result<(), String> {
    let mut manifest = String::from(
        "# Written by `cargo xtask corpus`.\n[workspace]\nresolver = \"3\"\nmembers = [\n",
    );
    for m in members {
        let _ = writeln!(manifest, "    \"{m}\",");
    }
    manifest.push_str("]\n\n[profile.dev]\ndebug = 0\n");
    write_if_changed(&scratch.join("Cargo.toml"), &manifest)?;
    let lock = scratch.join("Cargo.lock");
    if !lock.exists()
        && let Some(repo) = runtime.parent().and_then(Path::parent)
        && let Ok(text) = std::fs::read_to_string(repo.join("Cargo.lock"))
    {
        write_if_changed(&lock, &text)?;
    }
    for path in sorted_entries(scratch)? {
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        if path.is_dir() && name.starts_with("corpus-") && !members.contains(&name) {
            let _ = std::fs::remove_dir_all(&path);
        }
    }
    Ok(())
}

fn write_if_changed(path: &Path, text: &str) -> Result<(), String> {
    if std::fs::read_to_string(path).is_ok_and(|old| old == text) {
        return Ok(());
    }
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// What the compiler said about one package.
#[derive(Debug, Default)]
struct Messages {
    errors: Vec<String>,
    warnings: Vec<String>,
}

/// Runs `cargo <command>` over the scratch workspace and sorts what the compiler said by
/// package (by the folder of the manifest it was about).
fn cargo(opts: &Options, command: &str) -> Result<BTreeMap<String, Messages>, String> {
    let started = Instant::now();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut cmd = Command::new(cargo);
    cmd.arg(command)
        .arg("--workspace")
        .arg("--keep-going")
        .arg("--message-format=json")
        .arg("--manifest-path")
        .arg(opts.scratch.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", &opts.target_dir)
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_BUILD_TARGET_DIR");
    if opts.offline {
        cmd.arg("--offline");
    }
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run cargo {command}: {e}"))?;
    let (by_package, reached) = charge(&String::from_utf8_lossy(&out.stdout), &opts.scratch);
    eprintln!(
        "cargo {command} over {}: {:.1?}, {reached} compiler message(s)",
        opts.scratch.display(),
        started.elapsed()
    );
    // A failure that is not about a generated crate (a dependency that cannot be fetched,
    // a manifest cargo refuses) has no compiler message of ours to show.
    if !out.status.success() && by_package.values().all(|m| m.errors.is_empty()) {
        return Err(format!(
            "cargo {command} failed before it reached the generated crates:\n{}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(by_package)
}

/// Sorts cargo's `--message-format=json` output by the scratch package each compiler message
/// is about; also returns how many compiler messages there were in all.
fn charge(stdout: &str, scratch: &Path) -> (BTreeMap<String, Messages>, usize) {
    let mut by_package: BTreeMap<String, Messages> = BTreeMap::new();
    let mut reached = 0;
    for line in stdout.lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if v["reason"] != "compiler-message" {
            continue;
        }
        reached += 1;
        let manifest = Path::new(v["manifest_path"].as_str().unwrap_or_default());
        let Some(package) = manifest
            .parent()
            .filter(|p| p.parent() == Some(scratch))
            .and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned())
        else {
            continue;
        };
        let message = &v["message"];
        // Summaries ("aborting due to ...", "N warnings emitted") point at no code.
        if message["spans"].as_array().is_none_or(Vec::is_empty) {
            continue;
        }
        let rendered = message["rendered"].as_str().unwrap_or_default().to_owned();
        let m = by_package.entry(package).or_default();
        match message["level"].as_str() {
            Some("error") => m.errors.push(rendered),
            Some("warning") => m.warnings.push(rendered),
            _ => {}
        }
    }
    (by_package, reached)
}

fn outcome_text(e: &Entry) -> String {
    match &e.outcome {
        Outcome::Generated if e.warnings == 0 => "ok".to_owned(),
        Outcome::Generated => format!(
            "ok ({} warning{})",
            e.warnings,
            if e.warnings == 1 { "" } else { "s" }
        ),
        Outcome::Rejected(d) => format!("rejected: {}", located(d, e)),
        Outcome::Panic(_) => "panic".to_owned(),
        Outcome::CompileError(_) => "compile error".to_owned(),
        Outcome::Warnings(n, _) => format!("{n} rustc/clippy warning(s)"),
    }
}

/// A diagnostic as `file:line:column#pointer [code] message` (no `#` without a pointer), the
/// file relative to the document's folder.
fn located(d: &Diagnostic, e: &Entry) -> String {
    let file = d
        .file
        .strip_prefix(&e.root)
        .unwrap_or(&d.file)
        .to_string_lossy()
        .replace('\\', "/");
    let pointer = if d.pointer.is_empty() {
        String::new()
    } else {
        format!("#{}", d.pointer)
    };
    format!(
        "{file}:{}:{}{pointer} [{}] {}",
        d.line, d.column, d.code, d.message
    )
}

/// Why a rejection is the document's fault, from the kind of the diagnostic.
fn why(d: &Diagnostic) -> String {
    let reason = match d.code {
        "syntax" => "the file is not well-formed YAML or JSON, so no reader can know what it says",
        "unresolved-ref" | "invalid-ref" => {
            "a `$ref` points at something that is not there, so the generator would have to guess the type it stands for"
        }
        "contradictory-schema" => {
            "the parts of an `allOf` ask for values of different types, so no message can be valid"
        }
        "too-large" => "the document is larger than the size limit (raise it with --max-size)",
        "ref-cycle" => {
            "a `$ref` leads back to itself through objects that cannot be recursive, so the object it names never exists"
        }
        "missing-field" => {
            "the AsyncAPI specification requires the field, and the code depends on it"
        }
        "invalid-type" => {
            "a field has a type the specification does not allow and no obvious reading"
        }
        "invalid-value" => "a field has a value the specification does not allow",
        "unsupported-version" | "version" => {
            "the document declares an AsyncAPI version this generator does not read (2.0-2.6, 3.0, 3.1)"
        }
        "not-asyncapi" => {
            "the file is not an AsyncAPI document: it has no `asyncapi` field naming a version"
        }
        "undefined-variable" => "a server or channel uses a variable it never defines",
        "message-not-in-channel" => {
            "an operation sends or receives a message its channel does not carry, which AsyncAPI 3 forbids"
        }
        "invalid-schema" => "a schema is not a valid JSON Schema, so its type cannot be known",
        _ => "the specification does not allow what the document says there",
    };
    let mut s = format!("{reason}.");
    if let Some(help) = &d.help {
        let _ = write!(s, " Help: {help}.");
    }
    s
}

fn table(entries: &[Entry]) -> String {
    let mut s = String::from(
        "| document | version | channels | messages | types | outcome | generation |\n|---|---|---:|---:|---:|---|---:|\n",
    );
    for e in entries {
        let _ = writeln!(
            s,
            "| `{}` | {} | {} | {} | {} | {} | {:.1} ms |",
            e.name,
            e.version,
            e.channels,
            e.messages,
            e.types,
            outcome_text(e).replace('|', "\\|"),
            e.time.as_secs_f64() * 1000.0
        );
    }
    s
}

fn report(entries: &[Entry], opts: &Options) -> String {
    let count = |f: fn(&Outcome) -> bool| entries.iter().filter(|e| f(&e.outcome)).count();
    let ok = count(|o| matches!(o, Outcome::Generated));
    let rejected = count(|o| matches!(o, Outcome::Rejected(_)));
    let failed = entries.len() - ok - rejected;
    let mut s = String::from("# Conformance\n\n");
    let _ = writeln!(
        s,
        "Written by `cargo xtask corpus{}`; do not edit. Each document is loaded {} and generated \
         (application side, default settings) into one scratch workspace, whose crates are then \
         checked with `cargo clippy` (default features), which reports compile errors as \
         `cargo check` does and then lints; any rustc or clippy warning in generated code fails \
         the run. `ok (N warnings)` counts the located warnings \
         of loading: slips read past, listed by `asyncapi-gen validate`. Generation is load plus \
         generate, in-process, in a debug or release build of the xtask as it was run; it varies \
         from run to run.\n",
        if opts.strict { " --strict" } else { "" },
        if opts.strict {
            "strictly"
        } else {
            "leniently, as `asyncapi-gen generate` does"
        }
    );
    let _ = writeln!(
        s,
        "{} documents: {ok} ok, {rejected} rejected by the loader, {failed} failed.\n",
        entries.len()
    );
    s.push_str(&table(entries));
    let rejections: Vec<&Entry> = entries
        .iter()
        .filter(|e| matches!(e.outcome, Outcome::Rejected(_)))
        .collect();
    if !rejections.is_empty() {
        s.push_str("\n## Rejections\n\n");
        for e in rejections {
            if let Outcome::Rejected(d) = &e.outcome {
                let _ = writeln!(s, "- `{}`: {}", e.name, why(d));
            }
        }
    }
    let failures: Vec<&Entry> = entries
        .iter()
        .filter(|e| {
            matches!(
                e.outcome,
                Outcome::Panic(_) | Outcome::CompileError(_) | Outcome::Warnings(..)
            )
        })
        .collect();
    if !failures.is_empty() {
        s.push_str("\n## Failures\n\n");
        for e in failures {
            let text = match &e.outcome {
                Outcome::Panic(m) | Outcome::CompileError(m) | Outcome::Warnings(_, m) => m,
                _ => continue,
            };
            let _ = writeln!(s, "### `{}`\n\n```text\n{}\n```\n", e.name, text.trim_end());
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(manifest: &str, level: &str, spans: bool, text: &str) -> String {
        let spans = if spans {
            serde_json::json!([{"file_name": "src/types.rs", "line_start": 3}])
        } else {
            serde_json::json!([])
        };
        serde_json::json!({
            "reason": "compiler-message",
            "package_id": "path+file:///x#0.1.0",
            "manifest_path": manifest,
            "message": {"level": level, "spans": spans, "rendered": text, "code": null},
        })
        .to_string()
    }

    #[test]
    fn compiler_messages_are_charged_to_the_scratch_crate_they_are_about() {
        let out = [
            line("/s/corpus-a/Cargo.toml", "warning", true, "unused import"),
            line(
                "/s/corpus-a/Cargo.toml",
                "warning",
                false,
                "1 warning emitted",
            ),
            line("/s/corpus-b/Cargo.toml", "error", true, "mismatched types"),
            line(
                "/s/corpus-b/Cargo.toml",
                "error",
                false,
                "aborting due to 1 previous error",
            ),
            // A dependency outside the scratch workspace is nobody's fault here.
            line(
                "/repo/crates/asyncapi-runtime/Cargo.toml",
                "warning",
                true,
                "dep",
            ),
            r#"{"reason":"compiler-artifact","manifest_path":"/s/corpus-a/Cargo.toml"}"#.to_owned(),
            "not json".to_owned(),
        ]
        .join("\n");
        let (by, reached) = charge(&out, Path::new("/s"));
        assert_eq!(reached, 5);
        assert_eq!(by.len(), 2);
        assert_eq!(by["corpus-a"].warnings, ["unused import"]);
        assert!(by["corpus-a"].errors.is_empty());
        assert_eq!(by["corpus-b"].errors, ["mismatched types"]);
    }

    #[test]
    fn package_names_are_unique_valid_and_short() {
        let mut taken = BTreeMap::new();
        let a = unique_package("set/asyncapi.yaml", &mut taken);
        let b = unique_package("set/asyncapi.json", &mut taken);
        let c = unique_package(&format!("{}.yaml", "x".repeat(200)), &mut taken);
        let d = unique_package("../../etc/passwd", &mut taken);
        assert_eq!(a, "corpus-set-asyncapi");
        assert_eq!(b, "corpus-set-asyncapi-2");
        assert!(c.len() <= 60, "{c}");
        assert_eq!(d, "corpus-etc-passwd");
        for name in [a, b, c, d] {
            asyncapi_codegen::config::check_crate_name(&name).unwrap();
        }
    }
}
