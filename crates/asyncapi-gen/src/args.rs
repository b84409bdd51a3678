//! The arguments shared by several commands, and how they become the libraries' options.

use std::path::{Path, PathBuf};

use asyncapi_model::{LoadOptions, UrlMap};
use clap::Args;

/// Where `$ref`s may lead.
#[derive(Debug, Args)]
pub struct LoadArgs {
    /// The folder file references must stay inside (default: the spec's folder).
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Allow file references outside the root folder.
    #[arg(long)]
    pub allow_outside_root: bool,
    /// Fetch http(s) references that no --map-url covers (otherwise they are refused).
    #[arg(long)]
    pub allow_remote: bool,
    /// Read http(s) references under PREFIX from the local folder DIR instead of the network.
    #[arg(long, value_name = "PREFIX=DIR")]
    pub map_url: Vec<UrlMap>,
    /// The most the document's files may hold together, in bytes or with a `K`, `M` or `G`
    /// suffix (powers of 1024): a larger document is refused before it fills memory.
    /// Default: 32M.
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_size: Option<u64>,
}

/// `123`, `64K`, `32M`, `1G` (also `KiB`, `MiB`, `GiB`; any case) as bytes.
fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let lower = t.to_ascii_lowercase();
    let digits = lower.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let shift = match &lower[digits.len()..] {
        "" | "b" => 0,
        "k" | "kib" => 10,
        "m" | "mib" => 20,
        "g" | "gib" => 30,
        other => return Err(format!("unknown size unit `{other}` (use K, M or G)")),
    };
    let n: u64 = digits
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a size (a whole number of bytes, or with K, M or G)"))?;
    n.checked_mul(1 << shift)
        .ok_or_else(|| format!("`{s}` is too large"))
}

impl LoadArgs {
    pub fn options(&self) -> LoadOptions {
        LoadOptions {
            root: self.root.clone(),
            allow_outside_root: self.allow_outside_root,
            allow_remote: self.allow_remote,
            url_maps: self.map_url.clone(),
            fetch: self.allow_remote.then(http_fetcher),
            lenient: false,
            max_bytes: self.max_size,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes_read_with_binary_suffixes() {
        assert_eq!(parse_size("123"), Ok(123));
        assert_eq!(parse_size("64K"), Ok(64 << 10));
        assert_eq!(parse_size("32MiB"), Ok(32 << 20));
        assert_eq!(parse_size("1g"), Ok(1 << 30));
        assert_eq!(
            parse_size("2T"),
            Err("unknown size unit `t` (use K, M or G)".to_owned())
        );
        assert!(parse_size("M").is_err());
        assert!(parse_size("99999999999999999999G").is_err());
    }
}

/// Whether slips in the document stop the command.
#[derive(Debug, Args)]
pub struct Strictness {
    /// Stop at every error in the document, as `validate` does, including the slips that are
    /// otherwise read past with a warning.
    #[arg(long, long_help = strict_help())]
    pub strict: bool,
}

fn strict_help() -> String {
    format!(
        "Stop at every error in the document, as `validate` does (for CI). Without it, slips \
         that touch only documentation or have one obvious reading are read past, each with a \
         located warning saying what was assumed.\n\n{}",
        asyncapi_model::LENIENT_READINGS
    )
}

impl Strictness {
    /// The load options with slips read past unless `--strict`.
    pub fn apply(&self, opts: LoadOptions) -> LoadOptions {
        LoadOptions {
            lenient: !self.strict,
            ..opts
        }
    }
}

/// What shapes the generated crate.
#[derive(Debug, Args)]
pub struct GenArgs {
    /// Options from a TOML file (`crate_name`, `perspective`, `strict_enums`, `[[reexport]]`:
    /// see specs/adobe-io-events.toml); flags given on the command line win.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The generated crate's package name (default: from the spec's file name).
    #[arg(long)]
    pub crate_name: Option<String>,
    /// `app`: the application the document describes; `client`: a client of it (every
    /// action reversed). Default: `app`.
    #[arg(long)]
    pub perspective: Option<asyncapi_codegen::Perspective>,
    /// Fail on unknown enum values instead of keeping them in an `Unknown` variant.
    #[arg(long)]
    pub strict_enums: bool,
    /// Keep `date-time`, `uuid`, `uri`... as strings.
    #[arg(long)]
    pub plain_formats: bool,
    /// Plain types for constrained strings and numbers (no validating newtypes).
    #[arg(long)]
    pub no_newtypes: bool,
    /// Drop properties a schema does not list instead of keeping them.
    #[arg(long)]
    pub drop_unknown_fields: bool,
}

/// How the generated crate finds the crates it depends on.
#[derive(Debug, Args)]
pub struct DepArgs {
    /// Depend on the runtime crate at PATH (relative to the current folder, or absolute);
    /// the manifest names it relative to --out, never by an absolute path. Crates the
    /// config re-exports are expected beside it (`asyncapi-gen vendor` puts them there).
    #[arg(long, value_name = "PATH", conflicts_with = "runtime_version")]
    pub runtime_path: Option<PathBuf>,
    /// Depend on asyncapi-runtime VERSION (and the re-exported crates, same version) from
    /// crates.io. This is the default, with this generator's version; the crates are not
    /// published yet, so until then use `asyncapi-gen vendor` or --runtime-path.
    #[arg(long, value_name = "VERSION")]
    pub runtime_version: Option<String>,
    /// Omit the `[workspace]` table, for a crate that is a member of an enclosing workspace.
    #[arg(long)]
    pub workspace_member: bool,
}

impl GenArgs {
    /// The settings for `spec`: defaults, then the config file, then the flags.
    pub fn settings(&self, spec: &Path) -> Result<asyncapi_codegen::Settings, String> {
        let stem = spec
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut settings = asyncapi_codegen::Settings {
            crate_name: asyncapi_codegen::config::crate_name_for(&stem),
            source_label: spec
                .file_name()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
            standalone: true,
            ..asyncapi_codegen::Settings::default()
        };
        if let Some(path) = &self.config {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            asyncapi_codegen::config::SpecConfig::parse(&text, &path.display().to_string())?
                .apply(&mut settings)
                .map_err(|e| format!("{}: {e}", path.display()))?;
        }
        if let Some(name) = &self.crate_name {
            asyncapi_codegen::config::check_crate_name(name)?;
            settings.crate_name = name.clone();
        }
        if let Some(p) = self.perspective {
            settings.perspective = p;
        }
        let types = &mut settings.types;
        types.typed_formats &= !self.plain_formats;
        types.open_enums &= !self.strict_enums;
        types.newtypes &= !self.no_newtypes;
        types.lossless &= !self.drop_unknown_fields;
        Ok(settings)
    }
}

impl DepArgs {
    /// Applies the dependency flags for a crate written to `out`.
    pub fn apply(
        &self,
        settings: &mut asyncapi_codegen::Settings,
        out: &Path,
    ) -> Result<(), String> {
        settings.standalone = !self.workspace_member;
        settings.runtime = match (&self.runtime_path, &self.runtime_version) {
            (Some(p), _) => {
                if !p.join("Cargo.toml").is_file() {
                    eprintln!(
                        "warning: {} has no Cargo.toml (yet): the generated crate will not build until asyncapi-runtime is there",
                        p.display()
                    );
                }
                asyncapi_codegen::RuntimeDep::Path(relative_path(out, p)?)
            }
            (None, Some(v)) => asyncapi_codegen::RuntimeDep::Version(v.clone()),
            (None, None) => {
                let v = asyncapi_codegen::manifest::versions::SUPPORT;
                eprintln!(
                    "note: {} depends on asyncapi-runtime {v} from crates.io; to depend on a local copy instead, use `asyncapi-gen vendor` or --runtime-path",
                    settings.crate_name
                );
                asyncapi_codegen::RuntimeDep::Version(v.to_owned())
            }
        };
        Ok(())
    }
}

/// `target` as a path relative to the folder `from` (both relative to the current folder or
/// absolute; neither needs to exist), with `/` separators.
pub fn relative_path(from: &Path, target: &Path) -> Result<String, String> {
    let abs = |p: &Path| {
        std::path::absolute(p).map_err(|e| format!("cannot resolve {}: {e}", p.display()))
    };
    let (from, target) = (lexical(&abs(from)?), lexical(&abs(target)?));
    let (mut f, mut t) = (from.components().peekable(), target.components().peekable());
    if f.peek() != t.peek() {
        return Err(format!(
            "{} and {} have no common root: a relative path between them cannot be written",
            from.display(),
            target.display()
        ));
    }
    while f.peek().is_some() && f.peek() == t.peek() {
        f.next();
        t.next();
    }
    let mut parts: Vec<String> = f.map(|_| "..".to_owned()).collect();
    parts.extend(t.map(|c| c.as_os_str().to_string_lossy().into_owned()));
    Ok(if parts.is_empty() {
        ".".to_owned()
    } else {
        parts.join("/")
    })
}

/// `p` with `.` and `..` resolved by name (symbolic links are not followed).
fn lexical(p: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Fetches remote documents over HTTP(S): redirects followed, 30 s timeout, 16 MiB at most.
fn http_fetcher() -> asyncapi_model::Fetcher {
    const MAX: u64 = 16 * 1024 * 1024;
    asyncapi_model::Fetcher(std::sync::Arc::new(|url: &str| {
        use std::io::Read as _;
        let client = reqwest::blocking::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .map_err(|e| e.to_string())?;
        let resp = client.get(url).send().map_err(|e| e.to_string())?;
        if !resp.status().is_success() {
            return Err(format!("HTTP {}", resp.status()));
        }
        let mut text = String::new();
        resp.take(MAX + 1)
            .read_to_string(&mut text)
            .map_err(|e| e.to_string())?;
        if text.len() as u64 > MAX {
            return Err(format!("larger than {MAX} bytes"));
        }
        Ok(text)
    }))
}
