//! The generated crate's `Cargo.toml`, and the one table of versions it uses.

use std::fmt::Write as _;

use crate::ir::Ir;
use crate::protocols::TRANSPORT_PACKAGE;
use crate::settings::{RuntimeDep, Settings};
use crate::typespace::Uses;
use crate::vendor::RUNTIME_PACKAGE;
use crate::write::MARKER;

/// Version requirements of the crates generated code uses, the same as the workspace's
/// (a test compares them with the root `Cargo.toml` and `Cargo.lock`).
pub mod versions {
    pub const CHRONO: &str = "0.4.41";
    pub const SCHEMARS: &str = "1.0";
    pub const SERDE: &str = "1.0.228";
    pub const SERDE_JSON: &str = "1.0.145";
    pub const URL: &str = "2.5";
    pub const UUID: &str = "1.18";
    /// The runtime and transport crates: the generator's own version.
    pub const SUPPORT: &str = env!("CARGO_PKG_VERSION");
}

/// The package's version: the document's `info.version` when it is `x.y.z`, else `0.1.0`.
fn package_version(v: &str) -> String {
    let parts: Vec<&str> = v.split('.').collect();
    let ok = parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
    if ok { v.to_owned() } else { "0.1.0".to_owned() }
}

/// How a support crate (the runtime, a re-exported transport) is named in `[dependencies]`:
/// by the same registry version as the runtime, or by a path beside the runtime's.
fn support_dependency(settings: &Settings, package: &str, extra: &str) -> String {
    match &settings.runtime {
        RuntimeDep::Path(runtime) => {
            let path = if package == RUNTIME_PACKAGE {
                runtime.clone()
            } else {
                sibling(runtime, package)
            };
            format!(
                "{{ path = {}, version = {}{extra} }}",
                toml_string(&path),
                toml_string(versions::SUPPORT)
            )
        }
        RuntimeDep::Version(v) if extra.is_empty() => toml_string(v),
        RuntimeDep::Version(v) => format!("{{ version = {}{extra} }}", toml_string(v)),
    }
}

/// `../x/asyncapi-runtime` -> `../x/<package>`: support crates are vendored side by side.
fn sibling(runtime: &str, package: &str) -> String {
    let trimmed = runtime.trim_end_matches(['/', '\\']);
    match trimmed.rfind(['/', '\\']) {
        Some(i) => format!("{}/{package}", &trimmed[..i]),
        None if trimmed.is_empty() || trimmed == "." => format!("../{package}"),
        None => package.to_owned(),
    }
}

pub fn cargo_toml(settings: &Settings, uses: &Uses, ir: &Ir) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{MARKER} from {}. Do not edit.", settings.source_label);
    let _ = writeln!(
        s,
        "[package]\nname = \"{}\"\nversion = \"{}\"\nedition = \"2024\"\npublish = false",
        settings.crate_name,
        package_version(&ir.version)
    );
    let _ = writeln!(
        s,
        "description = {}",
        toml_string(&format!(
            "Generated from the AsyncAPI document \"{}\"",
            ir.title
        ))
    );
    let _ = writeln!(s, "\n[lib]\ndoctest = false");
    let _ = writeln!(s, "\n[dependencies]");
    let _ = writeln!(
        s,
        "{RUNTIME_PACKAGE} = {}",
        support_dependency(settings, RUNTIME_PACKAGE, "")
    );
    let mut schemars_features = Vec::new();
    if uses.chrono {
        schemars_features.push("\"chrono04\"");
        let _ = writeln!(
            s,
            "chrono = {{ version = \"{}\", default-features = false, features = [\"serde\", \"std\"] }}",
            versions::CHRONO
        );
    }
    if uses.url {
        schemars_features.push("\"url2\"");
    }
    if uses.uuid {
        schemars_features.push("\"uuid1\"");
    }
    let _ = writeln!(
        s,
        "schemars = {{ version = \"{}\", features = [{}], optional = true }}",
        versions::SCHEMARS,
        schemars_features.join(", ")
    );
    let _ = writeln!(
        s,
        "serde = {{ version = \"{}\", features = [\"derive\"] }}\nserde_json = \"{}\"",
        versions::SERDE,
        versions::SERDE_JSON
    );
    if uses.url {
        let _ = writeln!(
            s,
            "url = {{ version = \"{}\", features = [\"serde\"] }}",
            versions::URL
        );
    }
    if uses.uuid {
        let _ = writeln!(
            s,
            "uuid = {{ version = \"{}\", features = [\"serde\"] }}",
            versions::UUID
        );
    }
    for r in &settings.reexports {
        let _ = writeln!(
            s,
            "{} = {}",
            r.package,
            support_dependency(settings, &r.package, ", optional = true")
        );
    }
    let transport = crate::emit::connect::features(ir);
    if !transport.is_empty() {
        let _ = writeln!(
            s,
            "{TRANSPORT_PACKAGE} = {}",
            support_dependency(
                settings,
                TRANSPORT_PACKAGE,
                ", optional = true, default-features = false"
            )
        );
    }
    {
        let _ = writeln!(s, "\n[features]");
        let _ = writeln!(
            s,
            "default = [\"json-schema\"]\n# `schemars::JsonSchema` for every type (`schema_for!`): off, the crate builds faster.\njson-schema = [\"dep:schemars\"]"
        );
        if !transport.is_empty() {
            let _ = writeln!(
                s,
                "# One feature per protocol of the document's servers: each adds the `connect` function of\n# those servers and the adapter they use (`{TRANSPORT_PACKAGE}`). None is on by default."
            );
        }
        for f in &transport {
            let _ = writeln!(
                s,
                "{f} = [\"dep:{TRANSPORT_PACKAGE}\", \"{TRANSPORT_PACKAGE}/{f}\"]"
            );
        }
        for r in &settings.reexports {
            let _ = writeln!(s, "{} = [\"dep:{}\"]", r.feature, r.package);
        }
    }
    if settings.standalone {
        let _ = writeln!(s, "\n[workspace]");
    }
    s
}

pub(crate) fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn support_crates_sit_beside_the_runtime() {
        assert_eq!(
            sibling("../../crates/asyncapi-runtime", "x"),
            "../../crates/x"
        );
        assert_eq!(sibling("../asyncapi-runtime/", "x"), "../x");
        assert_eq!(sibling("asyncapi-runtime", "x"), "x");
        assert_eq!(sibling("..\\rt", "x"), "../x");
    }

    #[test]
    fn package_versions() {
        assert_eq!(package_version("1.2.3"), "1.2.3");
        assert_eq!(package_version("1.2"), "0.1.0");
        assert_eq!(package_version("v1.2.3"), "0.1.0");
    }

    /// The one table of versions agrees with the workspace, whose lock file pins versions
    /// that satisfy it: generated crates build against what this repository is tested with.
    #[test]
    fn versions_match_the_workspace_and_its_lock_file() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
        let manifest: toml::Table = std::fs::read_to_string(format!("{root}/Cargo.toml"))
            .unwrap()
            .parse()
            .unwrap();
        let lock: toml::Table = std::fs::read_to_string(format!("{root}/Cargo.lock"))
            .unwrap()
            .parse()
            .unwrap();
        let deps = &manifest["workspace"]["dependencies"];
        for (name, ours) in [
            ("chrono", versions::CHRONO),
            ("schemars", versions::SCHEMARS),
            ("serde", versions::SERDE),
            ("serde_json", versions::SERDE_JSON),
            ("url", versions::URL),
            ("uuid", versions::UUID),
            (RUNTIME_PACKAGE, versions::SUPPORT),
        ] {
            let theirs = deps[name]
                .as_str()
                .or_else(|| deps[name].get("version").and_then(|v| v.as_str()))
                .unwrap_or_else(|| panic!("the workspace gives `{name}` no version"));
            assert_eq!(ours, theirs, "version requirement of `{name}`");
            let locked: Vec<&str> = lock["package"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|p| p["name"].as_str() == Some(name))
                .filter_map(|p| p["version"].as_str())
                .collect();
            assert!(
                locked.iter().any(|v| satisfies(v, ours)),
                "Cargo.lock has {name} {locked:?}, which does not satisfy ^{ours}"
            );
        }
    }

    /// `version` satisfies the caret requirement `req` (both plain `x.y.z` prefixes).
    fn satisfies(version: &str, req: &str) -> bool {
        let v: Vec<u64> = version
            .split(['.', '-', '+'])
            .take(3)
            .map(|p| p.parse().unwrap_or(0))
            .collect();
        let r: Vec<u64> = req.split('.').map(|p| p.parse().unwrap_or(0)).collect();
        let first = r.iter().position(|&x| x != 0).unwrap_or(r.len() - 1);
        v.len() == 3
            && v[..=first.min(2)] == r[..=first.min(r.len() - 1)]
            && v.as_slice() >= r.as_slice()
    }
}
