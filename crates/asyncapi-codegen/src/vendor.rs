//! Standalone copies of the hand-written crates a generated crate depends on (the runtime and
//! the transports its features name), for users who vendor generated code.
//!
//! In this repository those crates inherit their version, edition, lints and every dependency
//! from the workspace (`x.workspace = true`), which cargo cannot resolve once they are copied
//! elsewhere. [`support_crates`] writes each one with a manifest that says everything itself,
//! as `cargo package` would: workspace values filled in, path dependencies pointing at the
//! sibling copies, tests, benches and dev-dependencies left out (a vendored copy is built,
//! not tested). The generated crate then names them by relative path (`../asyncapi-runtime`),
//! so the folder they are written to can sit anywhere.
//!
//! The sources come from the caller: `cargo xtask` reads them from the checkout, the
//! `asyncapi-gen` binary carries the copy it was built with.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use toml::{Table, Value};

use crate::settings::{RuntimeDep, Settings};

/// The package every generated crate depends on.
pub const RUNTIME_PACKAGE: &str = "asyncapi-runtime";

pub use crate::write::MARKER;

/// One hand-written crate as it is in the repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupportCrate {
    /// Its package name, which is also the name of the folder it is vendored into.
    pub package: String,
    /// Where it is in the repository (`crates/asyncapi-runtime`), for the header line.
    pub dir: String,
    /// `Cargo.toml` (as written, inheriting from the workspace), `src/**` and any README,
    /// by path relative to the crate's folder.
    pub files: BTreeMap<String, String>,
}

/// The support crates and the workspace manifest they inherit from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Sources {
    /// The workspace's root `Cargo.toml`.
    pub workspace_manifest: String,
    pub crates: Vec<SupportCrate>,
}

/// Why the support crates could not be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VendorError(pub String);

impl std::fmt::Display for VendorError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for VendorError {}

impl Sources {
    /// Reads the crates `crates/<package>` of the checkout at `root`.
    pub fn read(root: &Path, packages: &[&str]) -> std::io::Result<Sources> {
        let workspace_manifest = std::fs::read_to_string(root.join("Cargo.toml"))?;
        let mut crates = Vec::new();
        for package in packages {
            let dir = format!("crates/{package}");
            let mut files = BTreeMap::new();
            let base = root.join(&dir);
            files.insert(
                "Cargo.toml".to_owned(),
                std::fs::read_to_string(base.join("Cargo.toml"))?,
            );
            if let Ok(text) = std::fs::read_to_string(base.join("README.md")) {
                files.insert("README.md".to_owned(), text);
            }
            read_tree(&base, "src", &mut files)?;
            crates.push(SupportCrate {
                package: (*package).to_owned(),
                dir,
                files,
            });
        }
        Ok(Sources {
            workspace_manifest,
            crates,
        })
    }

    /// [`Self::read`] of `packages` and every crate of the checkout they depend on by path.
    pub fn read_with_dependencies(root: &Path, packages: &[String]) -> std::io::Result<Sources> {
        let invalid = |e: VendorError| std::io::Error::new(std::io::ErrorKind::InvalidData, e.0);
        let mut out = Sources::read(root, &[])?;
        let workspace =
            parse(&out.workspace_manifest, "the workspace Cargo.toml").map_err(invalid)?;
        let mut todo: Vec<String> = packages.to_vec();
        while let Some(package) = todo.pop() {
            if out.find(&package).is_some() {
                continue;
            }
            let mut one = Sources::read(root, &[package.as_str()])?.crates;
            let krate = one.remove(0);
            todo.extend(path_dependencies(&workspace, &krate).map_err(invalid)?);
            out.crates.push(krate);
        }
        out.crates.sort_by(|a, b| a.package.cmp(&b.package));
        Ok(out)
    }

    fn find(&self, package: &str) -> Option<&SupportCrate> {
        self.crates.iter().find(|c| c.package == package)
    }
}

fn read_tree(base: &Path, rel: &str, out: &mut BTreeMap<String, String>) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(base.join(rel))?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = e.file_name().to_string_lossy().into_owned();
        let child = format!("{rel}/{name}");
        if e.file_type()?.is_dir() {
            read_tree(base, &child, out)?;
        } else {
            out.insert(child, std::fs::read_to_string(e.path())?);
        }
    }
    Ok(())
}

/// The packages to vendor for a crate that depends on the runtime and `reexports`: those, and
/// every support crate they depend on by path, in name order.
pub fn closure(sources: &Sources, roots: &[&str]) -> Result<Vec<String>, VendorError> {
    let workspace = parse(&sources.workspace_manifest, "the workspace Cargo.toml")?;
    let mut done = BTreeSet::new();
    let mut todo: Vec<String> = roots.iter().map(|s| (*s).to_owned()).collect();
    while let Some(package) = todo.pop() {
        if !done.insert(package.clone()) {
            continue;
        }
        let krate = sources.find(&package).ok_or_else(|| {
            VendorError(format!(
                "`{package}` is not among the crates this generator carries ({})",
                sources
                    .crates
                    .iter()
                    .map(|c| c.package.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?;
        todo.extend(path_dependencies(&workspace, krate)?);
    }
    Ok(done.into_iter().collect())
}

/// The packages `krate` depends on by path (other support crates), by package name.
fn path_dependencies(workspace: &Table, krate: &SupportCrate) -> Result<Vec<String>, VendorError> {
    let manifest = manifest_of(krate)?;
    let mut out = Vec::new();
    for (name, dep) in normal_dependencies(&manifest) {
        if resolved_dependency(workspace, name, dep)?.contains_key("path") {
            out.push(dep_package(name, dep));
        }
    }
    Ok(out)
}

/// The files of each package in `packages`, by the folder it goes in (its package name),
/// each a crate that builds on its own beside the others.
pub fn support_crates(
    sources: &Sources,
    packages: &[String],
) -> Result<BTreeMap<String, BTreeMap<String, String>>, VendorError> {
    let workspace = parse(&sources.workspace_manifest, "the workspace Cargo.toml")?;
    let mut out = BTreeMap::new();
    for package in packages {
        let krate = sources.find(package).ok_or_else(|| {
            VendorError(format!(
                "`{package}` is not among the crates this generator carries"
            ))
        })?;
        let mut files: BTreeMap<String, String> = krate
            .files
            .iter()
            .filter(|(rel, _)| rel.as_str() != "Cargo.toml")
            .map(|(rel, text)| (rel.clone(), text.clone()))
            .collect();
        files.insert(
            "Cargo.toml".to_owned(),
            standalone_manifest(krate, &workspace, packages)?,
        );
        out.insert(package.clone(), files);
    }
    Ok(out)
}

/// The settings to generate a crate that is vendored beside its support crates: the runtime
/// (and so every re-exported crate) by relative path `../<package>`, and no `[workspace]`
/// table, so the folder can sit inside the user's workspace or beside it.
pub fn vendored_settings(settings: &Settings) -> Result<Settings, VendorError> {
    let mut out = settings.clone();
    out.runtime = RuntimeDep::Path(format!("../{RUNTIME_PACKAGE}"));
    out.standalone = false;
    if out.crate_name == RUNTIME_PACKAGE
        || out.reexports.iter().any(|r| r.package == out.crate_name)
    {
        return Err(VendorError(format!(
            "the generated crate cannot be named `{}`: a crate it depends on has that name",
            out.crate_name
        )));
    }
    Ok(out)
}

/// The support crates a generated crate needs (its [`crate::Output::support_packages`] and
/// what they depend on), by folder name.
pub fn support_crates_for(
    sources: &Sources,
    packages: &[String],
) -> Result<BTreeMap<String, BTreeMap<String, String>>, VendorError> {
    let roots: Vec<&str> = packages.iter().map(String::as_str).collect();
    let packages = closure(sources, &roots)?;
    support_crates(sources, &packages)
}

fn parse(text: &str, what: &str) -> Result<Table, VendorError> {
    text.parse::<Table>()
        .map_err(|e| VendorError(format!("{what} does not parse: {e}")))
}

fn manifest_of(krate: &SupportCrate) -> Result<Table, VendorError> {
    let text = krate
        .files
        .get("Cargo.toml")
        .ok_or_else(|| VendorError(format!("{} has no Cargo.toml", krate.dir)))?;
    parse(text, &format!("{}/Cargo.toml", krate.dir))
}

fn normal_dependencies(manifest: &Table) -> impl Iterator<Item = (&String, &Value)> {
    manifest
        .get("dependencies")
        .and_then(Value::as_table)
        .into_iter()
        .flatten()
}

/// The package a dependency entry names (`package = ...` when renamed).
fn dep_package(name: &str, dep: &Value) -> String {
    dep.get("package")
        .and_then(Value::as_str)
        .unwrap_or(name)
        .to_owned()
}

/// A dependency entry with `workspace = true` replaced by the workspace's entry, the member's
/// own `features` added to it and its `optional` kept, as cargo does.
fn resolved_dependency(workspace: &Table, name: &str, dep: &Value) -> Result<Table, VendorError> {
    let mut own = match dep {
        Value::String(v) => {
            let mut t = Table::new();
            t.insert("version".to_owned(), Value::String(v.clone()));
            return Ok(t);
        }
        Value::Table(t) => t.clone(),
        other => {
            return Err(VendorError(format!(
                "dependency `{name}` is neither a version nor a table: {other}"
            )));
        }
    };
    if own.remove("workspace").and_then(|v| v.as_bool()) != Some(true) {
        return Ok(own);
    }
    let inherited = workspace
        .get("workspace")
        .and_then(|w| w.get("dependencies"))
        .and_then(|d| d.get(name))
        .ok_or_else(|| {
            VendorError(format!(
                "dependency `{name}` says `workspace = true`, but the workspace does not declare it"
            ))
        })?;
    let mut merged = match inherited {
        Value::String(v) => {
            let mut t = Table::new();
            t.insert("version".to_owned(), Value::String(v.clone()));
            t
        }
        Value::Table(t) => t.clone(),
        other => {
            return Err(VendorError(format!(
                "workspace dependency `{name}` is neither a version nor a table: {other}"
            )));
        }
    };
    if let Some(Value::Array(extra)) = own.remove("features") {
        let mut features: Vec<Value> = merged
            .get("features")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for f in extra {
            if !features.contains(&f) {
                features.push(f);
            }
        }
        merged.insert("features".to_owned(), Value::Array(features));
    }
    for (k, v) in own {
        merged.insert(k, v);
    }
    Ok(merged)
}

/// The crate's manifest with nothing left to inherit.
fn standalone_manifest(
    krate: &SupportCrate,
    workspace: &Table,
    vendored: &[String],
) -> Result<String, VendorError> {
    let manifest = manifest_of(krate)?;
    let ws = workspace.get("workspace").and_then(Value::as_table);
    let ws_package = ws.and_then(|w| w.get("package")).and_then(Value::as_table);
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{MARKER} (vendor): a standalone copy of {} from asyncapi-gen {}.\n# Do not edit; vendor again to update it.",
        krate.dir,
        env!("CARGO_PKG_VERSION")
    );
    for (section, value) in &manifest {
        match section.as_str() {
            // A vendored copy is built, not tested or benchmarked.
            "dev-dependencies" | "bench" | "test" | "example" => {}
            "package" => {
                let _ = writeln!(s, "\n[package]");
                for (k, v) in value.as_table().into_iter().flatten() {
                    let v = if is_inherited(v) {
                        ws_package.and_then(|p| p.get(k)).cloned().ok_or_else(|| {
                            VendorError(format!(
                                "{}/Cargo.toml: `package.{k}` is inherited, but the workspace does not set it",
                                krate.dir
                            ))
                        })?
                    } else {
                        v.clone()
                    };
                    let _ = writeln!(s, "{k} = {v}");
                }
                let _ = writeln!(
                    s,
                    "autotests = false\nautobenches = false\nautoexamples = false"
                );
            }
            "dependencies" | "build-dependencies" => {
                let _ = writeln!(s, "\n[{section}]");
                for (name, dep) in value.as_table().into_iter().flatten() {
                    let mut dep = resolved_dependency(workspace, name, dep)?;
                    if dep.contains_key("path") {
                        let package = dep_package(name, &Value::Table(dep.clone()));
                        if !vendored.contains(&package) {
                            return Err(VendorError(format!(
                                "{}/Cargo.toml: `{name}` is a path dependency, but `{package}` is not vendored with it",
                                krate.dir
                            )));
                        }
                        dep.insert("path".to_owned(), Value::String(format!("../{package}")));
                    }
                    let _ = match dep.get("version") {
                        Some(Value::String(v)) if dep.len() == 1 => {
                            writeln!(s, "{name} = {}", Value::String(v.clone()))
                        }
                        _ => writeln!(s, "{name} = {}", Value::Table(dep)),
                    };
                }
            }
            "lints" if value.get("workspace").and_then(Value::as_bool) == Some(true) => {
                for (tool, lints) in ws
                    .and_then(|w| w.get("lints"))
                    .and_then(Value::as_table)
                    .into_iter()
                    .flatten()
                {
                    let _ = writeln!(s, "\n[lints.{tool}]");
                    for (k, v) in lints.as_table().into_iter().flatten() {
                        let _ = writeln!(s, "{k} = {v}");
                    }
                }
            }
            other => {
                // Tables such as `[features]` or `[lib]` are copied as they are.
                let _ = writeln!(s, "\n[{other}]");
                for (k, v) in value.as_table().into_iter().flatten() {
                    let _ = writeln!(s, "{} = {v}", key(k));
                }
            }
        }
    }
    Ok(s)
}

fn is_inherited(v: &Value) -> bool {
    v.get("workspace").and_then(Value::as_bool) == Some(true)
}

/// A key as TOML source: bare when it can be, quoted otherwise.
fn key(k: &str) -> String {
    if !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        k.to_owned()
    } else {
        Value::String(k.to_owned()).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WORKSPACE: &str = r#"
[workspace]
members = ["crates/*"]

[workspace.package]
version = "0.3.1"
edition = "2024"
license = "MIT"

[workspace.dependencies]
base = { path = "crates/base", version = "0.3.1" }
serde = { version = "1.0.228", features = ["derive"] }
tokio = "1.47"

[workspace.lints.rust]
unsafe_code = "forbid"
"#;

    fn krate(package: &str, manifest: &str) -> SupportCrate {
        let mut files = BTreeMap::new();
        files.insert("Cargo.toml".to_owned(), manifest.to_owned());
        files.insert("src/lib.rs".to_owned(), "//! x\n".to_owned());
        SupportCrate {
            package: package.to_owned(),
            dir: format!("crates/{package}"),
            files,
        }
    }

    fn sources() -> Sources {
        Sources {
            workspace_manifest: WORKSPACE.to_owned(),
            crates: vec![
                krate(
                    "base",
                    "[package]\nname = \"base\"\nversion.workspace = true\nedition.workspace = true\n\n[dependencies]\nserde.workspace = true\n\n[dev-dependencies]\ntokio.workspace = true\n\n[lints]\nworkspace = true\n",
                ),
                krate(
                    "top",
                    "[package]\nname = \"top\"\nversion.workspace = true\nedition = \"2021\"\nlicense.workspace = true\n\n[dependencies]\nbase.workspace = true\ntokio = { workspace = true, features = [\"rt\"], optional = true }\n\n[features]\nasync = [\"dep:tokio\"]\n",
                ),
            ],
        }
    }

    #[test]
    fn follows_path_dependencies() {
        assert_eq!(closure(&sources(), &["top"]).unwrap(), ["base", "top"]);
        assert_eq!(closure(&sources(), &["base"]).unwrap(), ["base"]);
        let err = closure(&sources(), &["nope"]).unwrap_err();
        assert_eq!(
            err.0,
            "`nope` is not among the crates this generator carries (base, top)"
        );
    }

    #[test]
    fn writes_manifests_without_inheritance() {
        let packages = closure(&sources(), &["top"]).unwrap();
        let out = support_crates(&sources(), &packages).unwrap();
        let version = env!("CARGO_PKG_VERSION");
        assert_eq!(
            out["base"]["Cargo.toml"],
            format!(
                "# @generated by asyncapi-gen (vendor): a standalone copy of crates/base from asyncapi-gen {version}.
# Do not edit; vendor again to update it.

[package]
name = \"base\"
version = \"0.3.1\"
edition = \"2024\"
autotests = false
autobenches = false
autoexamples = false

[dependencies]
serde = {{ version = \"1.0.228\", features = [\"derive\"] }}

[lints.rust]
unsafe_code = \"forbid\"
"
            )
        );
        let top = &out["top"]["Cargo.toml"];
        assert!(
            top.contains("base = { path = \"../base\", version = \"0.3.1\" }\n"),
            "{top}"
        );
        assert!(
            top.contains("tokio = { version = \"1.47\", features = [\"rt\"], optional = true }\n"),
            "{top}"
        );
        assert!(
            top.contains("edition = \"2021\"\nlicense = \"MIT\"\n"),
            "{top}"
        );
        assert!(
            top.contains("[features]\nasync = [\"dep:tokio\"]\n"),
            "{top}"
        );
        assert_eq!(out["top"]["src/lib.rs"], "//! x\n");
        // Every manifest parses and inherits nothing.
        for files in out.values() {
            let t: Table = files["Cargo.toml"].parse().unwrap();
            assert!(!files["Cargo.toml"].contains("workspace"), "{t:?}");
        }
    }

    #[test]
    fn path_dependencies_must_be_vendored_too() {
        let err = support_crates(&sources(), &["top".to_owned()]).unwrap_err();
        assert_eq!(
            err.0,
            "crates/top/Cargo.toml: `base` is a path dependency, but `base` is not vendored with it"
        );
    }

    #[test]
    fn missing_workspace_values_are_errors() {
        let mut s = sources();
        s.workspace_manifest = "[workspace]\n".to_owned();
        let err = support_crates(&s, &["base".to_owned()]).unwrap_err();
        assert_eq!(
            err.0,
            "crates/base/Cargo.toml: `package.version` is inherited, but the workspace does not set it"
        );
    }
}
