//! Project tasks.
//!
//! - `cargo xtask generate [--check] [--strict]`: every AsyncAPI document in `specs/` (with its
//!   options in a `.toml` file of the same name next to it) becomes a crate in
//!   `generated/<crate name>/`. `--check` writes nothing and fails, naming every stale, missing
//!   or extra file, when `generated/` is not what the generator produces now.
//! - `cargo xtask vendor DIR [--check] [--strict]`: the same crates, written into
//!   `DIR/<crate name>/` beside standalone copies of the crates they depend on
//!   (`DIR/asyncapi-runtime/`, ...), so that `DIR` can be copied into any repository and built
//!   there.
//! - `cargo xtask corpus [DIR...] [--out FILE] [--strict] [--offline] [--scratch DIR]
//!   [--target-dir DIR]`: every AsyncAPI document in each `DIR` (default `../shared/corpus`)
//!   generated into one scratch workspace, checked and clippy'd; the table goes to `FILE`
//!   (default `docs/conformance.md` for the shared corpus, else `conformance.md` in the
//!   scratch workspace). See `corpus.rs`.
//! - `cargo xtask bench [--quick] [--only PART]... [--out FILE]`: every benchmark (generator,
//!   Modelina beside it, generated code, router, webhook), written to `docs/performance.md`.
//!   See `bench.rs`.
//!
//! As `asyncapi-gen generate` does, both read past slips in a document that touch only
//! documentation or have one obvious reading, with a warning each
//! (`asyncapi_model::LENIENT_READINGS`); `--strict` makes every error stop them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use asyncapi_codegen::config::{SpecConfig, crate_name_for};
use asyncapi_codegen::vendor::{self, RUNTIME_PACKAGE, Sources};
use asyncapi_codegen::{Change, RuntimeDep, Settings, WriteMode};

mod bench;
mod corpus;

const USAGE: &str = "usage: cargo xtask generate [--check] [--strict]
       cargo xtask vendor DIR [--check] [--strict]
       cargo xtask corpus [DIR...] [--out FILE] [--strict] [--offline] [--scratch DIR] [--target-dir DIR]
       cargo xtask bench [--quick] [--only generator|modelina|code|router|webhook]... [--out FILE]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("corpus") {
        return corpus_task(&args[1..]);
    }
    if args.first().map(String::as_str) == Some("bench") {
        return bench::task(&args[1..], &workspace_root(), USAGE);
    }
    let (flags, words): (Vec<&str>, Vec<&str>) = args
        .iter()
        .map(String::as_str)
        .partition(|a| a.starts_with("--"));
    let mode = if flags.contains(&"--check") {
        WriteMode::Check
    } else {
        WriteMode::Write
    };
    let strict = flags.contains(&"--strict");
    let known = flags.iter().all(|f| matches!(*f, "--check" | "--strict"));
    match words.as_slice() {
        ["generate"] if known => report(
            generate_all(&workspace_root(), mode, strict),
            "cargo xtask generate",
        ),
        ["vendor", dir] if known => report(
            vendor_all(&workspace_root(), Path::new(dir), mode, strict),
            &format!("cargo xtask vendor {dir}"),
        ),
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn corpus_task(args: &[String]) -> ExitCode {
    let root = workspace_root();
    let mut dirs = Vec::new();
    let (mut out, mut scratch, mut target_dir) = (None, None, None);
    let (mut strict, mut offline) = (false, false);
    let mut args = args.iter();
    while let Some(a) = args.next() {
        let slot = match a.as_str() {
            "--strict" => {
                strict = true;
                continue;
            }
            "--offline" => {
                offline = true;
                continue;
            }
            "--out" => &mut out,
            "--scratch" => &mut scratch,
            "--target-dir" => &mut target_dir,
            flag if flag.starts_with("--") => {
                eprintln!("unknown option {flag}\n{USAGE}");
                return ExitCode::from(2);
            }
            dir => {
                dirs.push(PathBuf::from(dir));
                continue;
            }
        };
        let Some(value) = args.next() else {
            eprintln!("{a} needs a value\n{USAGE}");
            return ExitCode::from(2);
        };
        *slot = Some(PathBuf::from(value));
    }
    let shared = dirs.is_empty();
    if shared {
        dirs.push(root.join("../shared/corpus"));
    }
    let scratch = scratch.unwrap_or_else(|| root.join("target/xtask-corpus"));
    let out = out.unwrap_or_else(|| {
        if shared {
            root.join("docs/conformance.md")
        } else {
            scratch.join("conformance.md")
        }
    });
    let opts = corpus::Options {
        dirs,
        out,
        target_dir: target_dir.unwrap_or_else(|| root.join("target/xtask-corpus-target")),
        scratch,
        strict,
        offline,
    };
    match corpus::run(&opts, &root.join("crates").join(RUNTIME_PACKAGE)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// Exit status of a task; in check mode, any change needed is a failure.
fn report(result: Result<(Vec<Change>, WriteMode), String>, fix: &str) -> ExitCode {
    match result {
        Ok((changes, WriteMode::Check)) if !changes.is_empty() => {
            for c in &changes {
                eprintln!("{c}");
            }
            eprintln!("out of date; run: {fix}");
            ExitCode::from(1)
        }
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

/// The documents in `specs/`, in name order.
fn specs(root: &Path) -> Result<Vec<PathBuf>, String> {
    let specs_dir = root.join("specs");
    let mut specs: Vec<PathBuf> = std::fs::read_dir(&specs_dir)
        .map_err(|e| format!("cannot read {}: {e}", specs_dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("yaml" | "yml" | "json")
            )
        })
        .collect();
    specs.sort();
    Ok(specs)
}

/// Loads a spec (reading past slips unless `strict`) and generates its crate, printing
/// warnings and notes.
fn generate_one(
    root: &Path,
    spec: &Path,
    settings: &Settings,
    strict: bool,
) -> Result<asyncapi_codegen::Output, String> {
    let opts = asyncapi_model::LoadOptions {
        root: Some(root.join("specs")),
        lenient: !strict,
        ..Default::default()
    };
    let doc = asyncapi_model::load(spec, &opts).map_err(|e| format!("{}:\n{e}", spec.display()))?;
    for w in doc.diagnostics.iter() {
        eprintln!("{w}");
    }
    let output = asyncapi_codegen::generate(&doc, settings).map_err(|e| e.to_string())?;
    for n in &output.notes {
        eprintln!("{n}");
    }
    Ok(output)
}

/// Generates (or checks) every spec; returns the changes made or needed.
pub fn generate_all(
    root: &Path,
    mode: WriteMode,
    strict: bool,
) -> Result<(Vec<Change>, WriteMode), String> {
    let generated_dir = root.join("generated");
    let mut all_changes = Vec::new();
    let mut produced = Vec::new();
    for spec in &specs(root)? {
        let started = Instant::now();
        let settings = settings_for(root, spec)?;
        let output = generate_one(root, spec, &settings, strict)?;
        let out_dir = generated_dir.join(&settings.crate_name);
        let changes = asyncapi_codegen::write(&out_dir, &output.files, mode)
            .map_err(|e| format!("{}: {e}", out_dir.display()))?;
        eprintln!(
            "{} {} -> generated/{} ({} files, {} {}) in {:.1?}",
            if mode == WriteMode::Check {
                "checked"
            } else {
                "generated"
            },
            rel(root, spec),
            settings.crate_name,
            output.files.len(),
            changes.len(),
            if mode == WriteMode::Check {
                "out of date"
            } else {
                "written"
            },
            started.elapsed()
        );
        produced.push(settings.crate_name.clone());
        all_changes.extend(changes);
    }
    // Crates whose spec is gone.
    if let Ok(entries) = std::fs::read_dir(&generated_dir) {
        let mut dirs: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_dir())
            .collect();
        dirs.sort();
        for dir in dirs {
            let name = dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let ours = std::fs::read_to_string(dir.join("Cargo.toml"))
                .is_ok_and(|t| t.starts_with("# @generated by asyncapi-gen"));
            if ours && !produced.contains(&name) {
                let changes = asyncapi_codegen::write(&dir, &Default::default(), mode)
                    .map_err(|e| format!("{}: {e}", dir.display()))?;
                if mode == WriteMode::Write {
                    let _ = std::fs::remove_dir_all(&dir);
                    eprintln!("removed generated/{name} (its spec is gone)");
                }
                all_changes.extend(changes);
            }
        }
    }
    Ok((all_changes, mode))
}

/// Writes (or checks) every spec's crate into `dir`, with the crates they depend on.
pub fn vendor_all(
    root: &Path,
    dir: &Path,
    mode: WriteMode,
    strict: bool,
) -> Result<(Vec<Change>, WriteMode), String> {
    let mut crates: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut needs = Vec::new();
    for spec in &specs(root)? {
        let settings =
            vendor::vendored_settings(&settings_for(root, spec)?).map_err(|e| e.to_string())?;
        let output = generate_one(root, spec, &settings, strict)?;
        crates.insert(settings.crate_name.clone(), output.files);
        needs.push(output.support_packages);
    }
    let mut packages: Vec<String> = needs.iter().flatten().cloned().collect();
    packages.sort();
    packages.dedup();
    let sources = Sources::read_with_dependencies(root, &packages)
        .map_err(|e| format!("cannot read the support crates: {e}"))?;
    for packages in &needs {
        for (name, files) in
            vendor::support_crates_for(&sources, packages).map_err(|e| e.to_string())?
        {
            crates.insert(name, files);
        }
    }
    let mut changes = Vec::new();
    for (name, files) in &crates {
        let out = dir.join(name);
        changes.extend(
            asyncapi_codegen::write(&out, files, mode)
                .map_err(|e| format!("{}: {e}", out.display()))?,
        );
    }
    eprintln!(
        "{} {} ({}) with {} change(s)",
        if mode == WriteMode::Check {
            "checked"
        } else {
            "vendored into"
        },
        dir.display(),
        crates.keys().cloned().collect::<Vec<_>>().join(", "),
        changes.len()
    );
    Ok((changes, mode))
}

fn rel(root: &Path, p: &Path) -> String {
    p.strip_prefix(root)
        .unwrap_or(p)
        .to_string_lossy()
        .replace('\\', "/")
}

/// The settings of a spec: its `.toml` options over the defaults, the runtime (and the crates
/// it re-exports) at `crates/` by relative path from `generated/<crate>/`.
fn settings_for(root: &Path, spec: &Path) -> Result<Settings, String> {
    let config_path = spec.with_extension("toml");
    let config = match std::fs::read_to_string(&config_path) {
        Ok(text) => SpecConfig::parse(&text, &rel(root, &config_path))?,
        Err(_) => SpecConfig::default(),
    };
    let stem = spec
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut settings = Settings {
        crate_name: crate_name_for(&stem),
        runtime: RuntimeDep::Path(format!("../../crates/{RUNTIME_PACKAGE}")),
        source_label: rel(root, spec),
        standalone: false,
        ..Settings::default()
    };
    config
        .apply(&mut settings)
        .map_err(|e| format!("{}: {e}", rel(root, &config_path)))?;
    Ok(settings)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `cargo test` fails when generated/ is stale, as CI's `cargo xtask generate --check` does,
    /// or when one of our own specs has a slip (read strictly).
    #[test]
    fn generated_is_fresh() {
        let strict = true;
        let (changes, _) =
            generate_all(&workspace_root(), WriteMode::Check, strict).expect("specs generate");
        assert!(
            changes.is_empty(),
            "generated/ is out of date; run `cargo xtask generate`:\n{}",
            changes
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        );
    }

    /// Same spec, same bytes.
    #[test]
    fn generation_is_deterministic() {
        let root = workspace_root();
        let spec = root.join("specs/adobe-io-events.yaml");
        let settings = settings_for(&root, &spec).expect("settings");
        let opts = asyncapi_model::LoadOptions {
            root: Some(root.join("specs")),
            ..Default::default()
        };
        let a = asyncapi_codegen::generate(
            &asyncapi_model::load(&spec, &opts).expect("loads"),
            &settings,
        )
        .expect("generates");
        let b = asyncapi_codegen::generate(
            &asyncapi_model::load(&spec, &opts).expect("loads"),
            &settings,
        )
        .expect("generates");
        assert_eq!(a.files, b.files);
    }
}
