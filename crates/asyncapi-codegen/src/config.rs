//! Options kept beside a spec (`specs/<name>.toml`), and the crate name a spec gets by
//! default: one place for the front ends (`asyncapi-gen --config`, `cargo xtask`).
//!
//! ```toml
//! crate_name = "adobe-io-events"   # default: from the spec's file name
//! perspective = "client"           # or "app" (the default)
//! strict_enums = false             # unknown enum values are errors instead of `Unknown(..)`
//! adapters = false                 # no protocol features and `connect` module (default: true)
//!
//! # A transport re-exported as `adobe_io_events::transport` behind the `transport` feature;
//! # it sits beside the runtime crate (in this repository: crates/adobe-io-transport).
//! [[reexport]]
//! package = "adobe-io-transport"
//! feature = "transport"
//! module = "transport"
//! ```

use serde::Deserialize;

use crate::settings::{Perspective, Reexport, Settings};

/// The options of one spec.
#[derive(Debug, Default, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpecConfig {
    pub crate_name: Option<String>,
    pub perspective: Option<String>,
    pub strict_enums: Option<bool>,
    /// Protocol features and `connect` functions for the servers (default true).
    pub adapters: Option<bool>,
    #[serde(default)]
    pub reexport: Vec<ReexportConfig>,
}

/// `[[reexport]]`: a support crate the generated crate re-exports behind a feature.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReexportConfig {
    pub package: String,
    pub feature: String,
    pub module: String,
}

impl SpecConfig {
    /// Parses the TOML text of a config file; `what` names it in errors.
    pub fn parse(text: &str, what: &str) -> Result<SpecConfig, String> {
        toml::from_str(text).map_err(|e| format!("{what}: {e}"))
    }

    /// Applies the options to `settings` (whose crate name is the default for the spec).
    pub fn apply(&self, settings: &mut Settings) -> Result<(), String> {
        if let Some(name) = &self.crate_name {
            check_crate_name(name)?;
            settings.crate_name = name.clone();
        }
        if let Some(p) = &self.perspective {
            settings.perspective = p.parse::<Perspective>()?;
        }
        if let Some(strict) = self.strict_enums {
            settings.types.open_enums = !strict;
        }
        if let Some(adapters) = self.adapters {
            settings.adapters = adapters;
        }
        for r in &self.reexport {
            check_crate_name(&r.package)?;
            if !is_identifier(&r.module) {
                return Err(format!(
                    "reexport module `{}` is not a Rust identifier",
                    r.module
                ));
            }
            if crate::emit::MODULES.contains(&r.module.as_str()) {
                return Err(format!(
                    "reexport module `{}` is the name of a module the generated crate has",
                    r.module
                ));
            }
            if crate::protocols::FEATURES.contains(&r.feature.as_str()) {
                return Err(format!(
                    "reexport feature `{}` is the name of a protocol feature (mqtt, kafka, nats, amqp, websocket, http)",
                    r.feature
                ));
            }
            settings.reexports.push(Reexport {
                package: r.package.clone(),
                feature: r.feature.clone(),
                module: r.module.clone(),
            });
        }
        Ok(())
    }
}

/// The package name for a spec file stem: lowercase ASCII letters and digits (letters of other
/// scripts transliterated), other runs of characters as one `-` (`Adobe I/O Events` ->
/// `adobe-i-o-events`); `asyncapi-generated` when nothing is left, and prefixed when it would
/// start with a digit or be a name Windows reserves for a device (`con` -> `asyncapi-con`).
pub fn crate_name_for(stem: &str) -> String {
    let mut s = String::new();
    // Letters of any script as ASCII (`Ωμέγα` -> `omega`), as identifiers get them.
    for c in stem.chars().flat_map(crate::names::transliterate) {
        if c.is_ascii_alphanumeric() {
            s.push(c.to_ascii_lowercase());
        } else if !s.is_empty() && !s.ends_with('-') {
            s.push('-');
        }
    }
    let s = s.trim_end_matches('-');
    if s.is_empty() {
        "asyncapi-generated".to_owned()
    } else if s.starts_with(|c: char| c.is_ascii_digit()) || is_reserved_file_name(s) {
        format!("asyncapi-{s}")
    } else {
        s.to_owned()
    }
}

/// A package name cargo accepts, that is also a safe folder name.
pub fn check_crate_name(name: &str) -> Result<(), String> {
    let ok = name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && name.len() <= 64
        && !is_reserved_file_name(name);
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{name}` is not a valid crate name (ASCII letters, digits, `-` and `_`, starting with a letter, at most 64 characters, not a name Windows reserves such as `con`)"
        ))
    }
}

/// Names Windows gives to devices: a folder of that name cannot be created there.
fn is_reserved_file_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    matches!(lower.as_str(), "con" | "prn" | "aux" | "nul")
        || ["com", "lpt"].iter().any(|p| {
            lower
                .strip_prefix(p)
                .is_some_and(|n| n.len() == 1 && n.chars().all(|c| ('1'..='9').contains(&c)))
        })
}

fn is_identifier(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crate_names_from_file_stems() {
        assert_eq!(crate_name_for("adobe-io-events"), "adobe-io-events");
        assert_eq!(crate_name_for("Adobe I/O Events"), "adobe-i-o-events");
        assert_eq!(crate_name_for("--x__y--"), "x-y");
        assert_eq!(crate_name_for("2fa"), "asyncapi-2fa");
        assert_eq!(crate_name_for("Ωμέγα"), "omega");
        assert_eq!(crate_name_for("北京 events"), "bei-jing-events");
        assert_eq!(crate_name_for("€"), "asyncapi-generated");
        assert_eq!(crate_name_for(""), "asyncapi-generated");
        // Whatever the stem, the name is one a folder can have.
        for stem in [
            "../x",
            "/abs/olute",
            "CON",
            "lpt1",
            "Nul",
            "a/../../b",
            "..",
            "C:\\x",
        ] {
            let name = crate_name_for(stem);
            assert!(check_crate_name(&name).is_ok(), "{stem} -> {name}");
        }
        assert_eq!(crate_name_for("CON"), "asyncapi-con");
        assert_eq!(crate_name_for("../x"), "x");
    }

    #[test]
    fn crate_names_are_checked() {
        assert!(check_crate_name("adobe-io-events").is_ok());
        for bad in [
            "", "../x", "/abs", "a b", "1x", "CON.rs", "x/y", "con", "Lpt1", "NUL",
        ] {
            assert!(check_crate_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn applies_options() {
        let config = SpecConfig::parse(
            "crate_name = \"x\"\nperspective = \"client\"\nstrict_enums = true\n[[reexport]]\npackage = \"t\"\nfeature = \"f\"\nmodule = \"m\"\n",
            "x.toml",
        )
        .unwrap();
        let mut settings = Settings::default();
        config.apply(&mut settings).unwrap();
        assert_eq!(settings.crate_name, "x");
        assert_eq!(settings.perspective, Perspective::Client);
        assert!(!settings.types.open_enums);
        assert_eq!(settings.reexports[0].module, "m");
        let err = SpecConfig::parse("crate = 1\n", "x.toml").unwrap_err();
        assert!(err.starts_with("x.toml: "), "{err}");
        assert!(err.contains("unknown field `crate`"), "{err}");
        let err = SpecConfig::parse("crate_name = \"../up\"\n", "x.toml")
            .unwrap()
            .apply(&mut Settings::default())
            .unwrap_err();
        assert!(err.contains("not a valid crate name"), "{err}");
    }
}
