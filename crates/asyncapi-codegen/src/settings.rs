//! Everything that shapes the output, in one struct with `Default` (no boolean parameters).

/// How schemas become types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeSettings {
    /// Map `date-time`, `date`, `uuid`, `uri`, `ipv4`, `ipv6` to chrono, uuid, url, std::net.
    pub typed_formats: bool,
    /// String enums get an `Unknown(String)` variant so new values do not break consumers.
    pub open_enums: bool,
    /// Constrained strings and numbers become validating newtypes.
    pub newtypes: bool,
    /// Objects that do not forbid other properties keep unknown ones in a flattened map, so a
    /// message round-trips unchanged.
    pub lossless: bool,
}

impl Default for TypeSettings {
    fn default() -> Self {
        TypeSettings {
            typed_formats: true,
            open_enums: true,
            newtypes: true,
            lossless: true,
        }
    }
}

/// Whose code is generated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Perspective {
    /// The application the document describes: its `send` operations are sent, its
    /// `receive` operations received (2.x: `subscribe` sent, `publish` received).
    #[default]
    App,
    /// A client of that application: every action is reversed.
    Client,
}

impl std::str::FromStr for Perspective {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "app" | "application" => Ok(Perspective::App),
            "client" => Ok(Perspective::Client),
            other => Err(format!(
                "unknown perspective `{other}` (expected `app` or `client`)"
            )),
        }
    }
}

/// How the generated crate depends on the runtime crate and the support crates it
/// re-exports (which always come the same way as the runtime).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuntimeDep {
    /// `path = "..."` of `asyncapi-runtime`, relative to the generated crate; re-exported
    /// support crates are its siblings (`../asyncapi-runtime` -> `../adobe-io-transport`).
    Path(String),
    /// `version = "..."` from a registry, for the runtime and every re-exported crate.
    Version(String),
}

/// An extra optional dependency the generated crate re-exports behind a feature (e.g. a
/// transport crate), so users need one dependency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reexport {
    pub package: String,
    /// Feature of the generated crate that enables it.
    pub feature: String,
    /// Module name it is re-exported as.
    pub module: String,
}

/// Everything that shapes the output. `Default` generates an application crate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub crate_name: String,
    pub perspective: Perspective,
    pub types: TypeSettings,
    pub runtime: RuntimeDep,
    /// The spec path shown in the `@generated` header (keep it relative for stable output).
    pub source_label: String,
    /// Add an empty `[workspace]` so the crate builds on its own wherever it is written.
    pub standalone: bool,
    pub reexports: Vec<Reexport>,
    /// One cargo feature per protocol of the servers and a `connect` function per server,
    /// on the adapters of `asyncapi-transport` (off for a crate with a transport of its own).
    pub adapters: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            crate_name: "asyncapi-generated".to_owned(),
            perspective: Perspective::App,
            types: TypeSettings::default(),
            runtime: RuntimeDep::Version(env!("CARGO_PKG_VERSION").to_owned()),
            source_label: "the AsyncAPI document".to_owned(),
            standalone: false,
            reexports: Vec::new(),
            adapters: true,
        }
    }
}
