//! Embeds the crates generated code depends on (the runtime and the transports a generated
//! crate can re-export), as they are in this checkout, so that `asyncapi-gen vendor` can
//! write standalone copies of them wherever the binary runs: the vendored runtime is always
//! the one this generator's output was made for.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The support crates, by folder under `crates/` (= package name).
const SUPPORT_CRATES: &[&str] = &[
    "asyncapi-runtime",
    "asyncapi-transport",
    "adobe-io-transport",
];

fn main() {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let root = manifest_dir.join("../..");
    let mut out = String::from("// Written by build.rs: the support crates of this checkout.\n");
    let workspace = root.join("Cargo.toml");
    println!("cargo::rerun-if-changed={}", workspace.display());
    if !workspace.is_file() || !root.join("crates/asyncapi-runtime/Cargo.toml").is_file() {
        // Built outside the repository (e.g. from a package): nothing to carry.
        out.push_str("pub const WORKSPACE_MANIFEST: Option<&str> = None;\npub const CRATES: &[(&str, &[(&str, &str)])] = &[];\n");
    } else {
        let _ = writeln!(
            out,
            "pub const WORKSPACE_MANIFEST: Option<&str> = Some(include_str!({:?}));",
            workspace.display().to_string()
        );
        out.push_str("pub const CRATES: &[(&str, &[(&str, &str)])] = &[\n");
        for name in SUPPORT_CRATES {
            let dir = root.join("crates").join(name);
            println!("cargo::rerun-if-changed={}", dir.display());
            let mut files = Vec::new();
            for top in ["Cargo.toml", "README.md"] {
                if dir.join(top).is_file() {
                    files.push(top.to_owned());
                }
            }
            collect(&dir, "src", &mut files);
            let _ = writeln!(out, "    ({name:?}, &[");
            for rel in files {
                let path = dir.join(&rel);
                let _ = writeln!(
                    out,
                    "        ({rel:?}, include_str!({:?})),",
                    path.display().to_string()
                );
            }
            out.push_str("    ]),\n");
        }
        out.push_str("];\n");
    }
    let dest = PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo")).join("bundled.rs");
    std::fs::write(&dest, out).expect("write bundled.rs");
}

/// Every file under `dir/rel`, by path relative to `dir`, in name order.
fn collect(dir: &Path, rel: &str, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir.join(rel)) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let child = format!("{rel}/{}", e.file_name().to_string_lossy());
        if e.file_type().is_ok_and(|t| t.is_dir()) {
            collect(dir, &child, out);
        } else {
            out.push(child);
        }
    }
}
