//! `asyncapi-gen`: the command-line front end. It parses arguments, reads files, calls the
//! libraries and renders their diagnostics; the behaviour lives in the libraries.

mod render;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use asyncapi_model::{Document, LoadOptions, UrlMap, view::Action};
use clap::{Args, Parser, Subcommand, ValueEnum};
use serde::Serialize;

#[derive(Debug, Parser)]
#[command(
    name = "asyncapi-gen",
    version,
    about = "Reads AsyncAPI 2.x/3.x documents and generates Rust crates from them"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Checks documents and prints every problem found (exit 1 when any is an error).
    ///
    /// Always strict: the slips that `generate` reads past with a warning (see `generate
    /// --help`, `--strict`) are errors here.
    Validate {
        /// The documents to check (YAML or JSON).
        #[arg(required = true)]
        specs: Vec<PathBuf>,
        #[command(flatten)]
        load: LoadArgs,
        /// How to print diagnostics.
        #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
        format: OutputFormat,
        /// Treat warnings as errors.
        #[arg(long)]
        deny_warnings: bool,
    },
    /// Generates a Rust crate from a document.
    ///
    /// Errors in the document stop generation, except slips that touch only documentation or
    /// have one obvious reading: those are warnings that say what was assumed (`--strict`
    /// makes them errors too).
    Generate {
        spec: PathBuf,
        /// The folder of the crate: created, or one this command wrote before (files it no
        /// longer produces are deleted); a folder holding anything else is refused.
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        gen_args: GenArgs,
        #[command(flatten)]
        deps: DepArgs,
        #[command(flatten)]
        load: LoadArgs,
        #[command(flatten)]
        strictness: Strictness,
        /// Write nothing; exit 1 naming every file that is stale, missing or extra.
        #[arg(long)]
        check: bool,
        /// Print how long loading, generating and writing took.
        #[arg(long)]
        timings: bool,
    },
    /// Writes the generated crate and standalone copies of the crates it depends on into one
    /// folder, ready to commit into any repository and build there.
    ///
    /// DIR/<crate>/ is the generated crate; beside it DIR/asyncapi-runtime/ and every crate
    /// its features re-export (`[[reexport]]` in --config), with manifests that inherit
    /// nothing, named by relative path. Run it again after the spec changes: it rewrites only
    /// those folders and never touches anything else in DIR.
    Vendor {
        spec: PathBuf,
        /// The folder to write the crates into (e.g. `vendor` or `third_party`).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        #[command(flatten)]
        gen_args: GenArgs,
        #[command(flatten)]
        load: LoadArgs,
        #[command(flatten)]
        strictness: Strictness,
        /// Write nothing; exit 1 naming every file that is stale, missing or extra.
        #[arg(long)]
        check: bool,
    },
    /// Writes a starting implementation of the handler trait into your own crate.
    Scaffold {
        spec: PathBuf,
        /// The file to create; an existing file is never overwritten.
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        gen_args: GenArgs,
        #[command(flatten)]
        load: LoadArgs,
        #[command(flatten)]
        strictness: Strictness,
        /// The name of your handler type.
        #[arg(long, default_value = "MyHandler")]
        type_name: String,
    },
    /// Prints the document as the generator sees it after bundling (slips read past as
    /// `generate` reads them, unless `--strict`).
    Inspect {
        spec: PathBuf,
        #[command(flatten)]
        load: LoadArgs,
        #[command(flatten)]
        strictness: Strictness,
        #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
        format: OutputFormat,
    },
}

/// Where `$ref`s may lead.
#[derive(Debug, Args)]
struct LoadArgs {
    /// The folder file references must stay inside (default: the spec's folder).
    #[arg(long, value_name = "DIR")]
    root: Option<PathBuf>,
    /// Allow file references outside the root folder.
    #[arg(long)]
    allow_outside_root: bool,
    /// Fetch http(s) references that no --map-url covers (otherwise they are refused).
    #[arg(long)]
    allow_remote: bool,
    /// Read http(s) references under PREFIX from the local folder DIR instead of the network.
    #[arg(long, value_name = "PREFIX=DIR")]
    map_url: Vec<UrlMap>,
}

impl LoadArgs {
    fn options(&self) -> LoadOptions {
        LoadOptions {
            root: self.root.clone(),
            allow_outside_root: self.allow_outside_root,
            allow_remote: self.allow_remote,
            url_maps: self.map_url.clone(),
            fetch: self.allow_remote.then(http_fetcher),
            lenient: false,
        }
    }
}

/// Whether slips in the document stop the command.
#[derive(Debug, Args)]
struct Strictness {
    /// Stop at every error in the document, as `validate` does, including the slips that are
    /// otherwise read past with a warning.
    #[arg(long, long_help = strict_help())]
    strict: bool,
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
    fn apply(&self, opts: LoadOptions) -> LoadOptions {
        LoadOptions {
            lenient: !self.strict,
            ..opts
        }
    }
}

/// What shapes the generated crate.
#[derive(Debug, Args)]
struct GenArgs {
    /// Options from a TOML file (`crate_name`, `perspective`, `strict_enums`, `[[reexport]]`:
    /// see specs/adobe-io-events.toml); flags given on the command line win.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// The generated crate's package name (default: from the spec's file name).
    #[arg(long)]
    crate_name: Option<String>,
    /// `app`: the application the document describes; `client`: a client of it (every
    /// action reversed). Default: `app`.
    #[arg(long)]
    perspective: Option<asyncapi_codegen::Perspective>,
    /// Fail on unknown enum values instead of keeping them in an `Unknown` variant.
    #[arg(long)]
    strict_enums: bool,
    /// Keep `date-time`, `uuid`, `uri`... as strings.
    #[arg(long)]
    plain_formats: bool,
    /// Plain types for constrained strings and numbers (no validating newtypes).
    #[arg(long)]
    no_newtypes: bool,
    /// Drop properties a schema does not list instead of keeping them.
    #[arg(long)]
    drop_unknown_fields: bool,
}

/// How the generated crate finds the crates it depends on.
#[derive(Debug, Args)]
struct DepArgs {
    /// Depend on the runtime crate at PATH (relative to the current folder, or absolute);
    /// the manifest names it relative to --out, never by an absolute path. Crates the
    /// config re-exports are expected beside it (`asyncapi-gen vendor` puts them there).
    #[arg(long, value_name = "PATH", conflicts_with = "runtime_version")]
    runtime_path: Option<PathBuf>,
    /// Depend on asyncapi-runtime VERSION (and the re-exported crates, same version) from
    /// crates.io. This is the default, with this generator's version; the crates are not
    /// published yet, so until then use `asyncapi-gen vendor` or --runtime-path.
    #[arg(long, value_name = "VERSION")]
    runtime_version: Option<String>,
    /// Omit the `[workspace]` table, for a crate that is a member of an enclosing workspace.
    #[arg(long)]
    workspace_member: bool,
}

impl GenArgs {
    /// The settings for `spec`: defaults, then the config file, then the flags.
    fn settings(&self, spec: &Path) -> Result<asyncapi_codegen::Settings, String> {
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
    fn apply(&self, settings: &mut asyncapi_codegen::Settings, out: &Path) -> Result<(), String> {
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
fn relative_path(from: &Path, target: &Path) -> Result<String, String> {
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum OutputFormat {
    Human,
    Json,
}

/// Exit codes: 0 success, 1 the document has errors, 2 usage or IO errors.
const EXIT_INVALID: u8 = 1;
const EXIT_IO: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Validate {
            specs,
            load,
            format,
            deny_warnings,
        } => validate(&specs, &load.options(), format, deny_warnings),
        Command::Inspect {
            spec,
            load,
            strictness,
            format,
        } => inspect(&spec, &strictness.apply(load.options()), format),
        Command::Generate {
            spec,
            out,
            gen_args,
            deps,
            load,
            strictness,
            check,
            timings,
        } => generate(
            &spec,
            &out,
            &gen_args,
            &deps,
            &strictness.apply(load.options()),
            check,
            timings,
        ),
        Command::Vendor {
            spec,
            out,
            gen_args,
            load,
            strictness,
            check,
        } => vendor(
            &spec,
            &out,
            &gen_args,
            &strictness.apply(load.options()),
            check,
        ),
        Command::Scaffold {
            spec,
            out,
            gen_args,
            load,
            strictness,
            type_name,
        } => scaffold(
            &spec,
            &out,
            &gen_args,
            &strictness.apply(load.options()),
            &type_name,
        ),
    }
}

/// Leaves a loaded document to the end of the process instead of dropping it node by node:
/// freeing a large document's JSON trees one allocation at a time costs as much as loading
/// it, and the operating system reclaims it at exit anyway.
fn release(doc: Document) {
    std::mem::forget(doc);
}

fn is_io(d: &asyncapi_model::Diagnostics) -> bool {
    d.iter().any(|d| d.code == "io")
}

fn validate(
    specs: &[PathBuf],
    opts: &LoadOptions,
    format: OutputFormat,
    deny_warnings: bool,
) -> ExitCode {
    let mut code = 0u8;
    let mut json = Vec::new();
    let stderr = std::io::stderr();
    for spec in specs {
        let (diags, ok) = match asyncapi_model::load(spec, opts) {
            Ok(mut doc) => {
                let diags = std::mem::take(&mut doc.diagnostics);
                release(doc);
                (diags, true)
            }
            Err(e) => {
                if is_io(&e.diagnostics) {
                    code = code.max(EXIT_IO);
                }
                (e.diagnostics, false)
            }
        };
        let failed = !ok || (deny_warnings && !diags.is_empty());
        if failed {
            code = code.max(EXIT_INVALID);
        }
        match format {
            OutputFormat::Human => {
                let mut out = stderr.lock();
                let _ = write!(out, "{}", render::render(&diags));
                let errors = diags.errors().count();
                let warnings = diags.warnings().count();
                let verdict = if failed { "invalid" } else { "valid" };
                let _ = writeln!(
                    out,
                    "{}: {verdict} ({errors} error(s), {warnings} warning(s))",
                    spec.display()
                );
            }
            OutputFormat::Json => json.push(serde_json::json!({
                "spec": spec,
                "valid": !failed,
                "diagnostics": diags,
            })),
        }
    }
    if format == OutputFormat::Json {
        println!(
            "{}",
            serde_json::to_string_pretty(&json).unwrap_or_default()
        );
    }
    ExitCode::from(code)
}

fn load_or_report(spec: &Path, opts: &LoadOptions) -> Result<Document, ExitCode> {
    match asyncapi_model::load(spec, opts) {
        Ok(doc) => {
            eprint!("{}", render::render(&doc.diagnostics));
            Ok(doc)
        }
        Err(e) => {
            eprint!("{}", render::render(&e.diagnostics));
            Err(ExitCode::from(if is_io(&e.diagnostics) {
                EXIT_IO
            } else {
                EXIT_INVALID
            }))
        }
    }
}

/// Settings from the arguments, or the exit code after saying what is wrong with them.
fn settings_or_report(args: &GenArgs, spec: &Path) -> Result<asyncapi_codegen::Settings, ExitCode> {
    args.settings(spec).map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::from(EXIT_IO)
    })
}

fn generate(
    spec: &Path,
    out: &Path,
    args: &GenArgs,
    deps: &DepArgs,
    opts: &LoadOptions,
    check: bool,
    timings: bool,
) -> ExitCode {
    let started = std::time::Instant::now();
    let mut settings = match settings_or_report(args, spec) {
        Ok(s) => s,
        Err(code) => return code,
    };
    if let Err(e) = deps.apply(&mut settings, out) {
        eprintln!("error: {e}");
        return ExitCode::from(EXIT_IO);
    }
    let doc = match load_or_report(spec, opts) {
        Ok(d) => d,
        Err(code) => return code,
    };
    let loaded = started.elapsed();
    let output = asyncapi_codegen::generate(&doc, &settings);
    release(doc);
    if timings {
        eprintln!(
            "timings: load {loaded:.1?}, generate {:.1?}",
            started.elapsed() - loaded
        );
    }
    let output = match output {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_IO);
        }
    };
    for n in &output.notes {
        eprintln!("{n}");
    }
    let mode = if check {
        asyncapi_codegen::WriteMode::Check
    } else {
        asyncapi_codegen::WriteMode::Write
    };
    match asyncapi_codegen::write(out, &output.files, mode) {
        Ok(changes) if check && !changes.is_empty() => {
            for c in &changes {
                eprintln!("{c}");
            }
            eprintln!(
                "{} is out of date; run: asyncapi-gen generate {} --out {}",
                out.display(),
                spec.display(),
                out.display()
            );
            ExitCode::from(EXIT_INVALID)
        }
        Ok(changes) => {
            eprintln!(
                "{} {} ({} files, {} changed) in {:.1?}",
                if check { "checked" } else { "generated" },
                out.display(),
                output.files.len(),
                changes.len(),
                started.elapsed()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: cannot write {}: {e}", out.display());
            ExitCode::from(EXIT_IO)
        }
    }
}

fn vendor(spec: &Path, out: &Path, args: &GenArgs, opts: &LoadOptions, check: bool) -> ExitCode {
    use asyncapi_codegen::vendor;
    let started = std::time::Instant::now();
    let settings = match settings_or_report(args, spec).and_then(|s| {
        vendor::vendored_settings(&s).map_err(|e| {
            eprintln!("error: {e}");
            ExitCode::from(EXIT_IO)
        })
    }) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let support = bundled_sources().and_then(|sources| {
        vendor::support_crates_for(&sources, &settings).map_err(|e| e.to_string())
    });
    let support = match support {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_IO);
        }
    };
    let doc = match load_or_report(spec, opts) {
        Ok(d) => d,
        Err(code) => return code,
    };
    let output = asyncapi_codegen::generate(&doc, &settings);
    release(doc);
    let output = match output {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_IO);
        }
    };
    for n in &output.notes {
        eprintln!("{n}");
    }
    let mode = if check {
        asyncapi_codegen::WriteMode::Check
    } else {
        asyncapi_codegen::WriteMode::Write
    };
    let mut crates: Vec<(&str, &std::collections::BTreeMap<String, String>)> =
        vec![(settings.crate_name.as_str(), &output.files)];
    crates.extend(support.iter().map(|(name, files)| (name.as_str(), files)));
    // Every folder is checked before any is written, so a refused one leaves all unchanged.
    let mut changes = Vec::new();
    for pass in [asyncapi_codegen::WriteMode::Check, mode] {
        changes.clear();
        for (name, files) in &crates {
            let dir = out.join(name);
            match asyncapi_codegen::write(&dir, files, pass) {
                Ok(c) => changes.extend(c),
                Err(e) => {
                    eprintln!("error: cannot write {}: {e}", dir.display());
                    return ExitCode::from(EXIT_IO);
                }
            }
        }
    }
    if check && !changes.is_empty() {
        for c in &changes {
            eprintln!("{c}");
        }
        eprintln!(
            "{} is out of date; run: asyncapi-gen vendor {} --out {}",
            out.display(),
            spec.display(),
            out.display()
        );
        return ExitCode::from(EXIT_INVALID);
    }
    eprintln!(
        "{} {} ({}; {} file(s) changed) in {:.1?}",
        if check { "checked" } else { "vendored into" },
        out.display(),
        crates
            .iter()
            .map(|(n, _)| *n)
            .collect::<Vec<_>>()
            .join(", "),
        changes.len(),
        started.elapsed()
    );
    ExitCode::SUCCESS
}

/// The support crates this binary was built with (see build.rs).
fn bundled_sources() -> Result<asyncapi_codegen::vendor::Sources, String> {
    mod bundled {
        include!(concat!(env!("OUT_DIR"), "/bundled.rs"));
    }
    let workspace = bundled::WORKSPACE_MANIFEST.ok_or_else(|| {
        "this asyncapi-gen was built without the sources of asyncapi-runtime, so it cannot vendor them; build it from a checkout of the repository, or generate with --runtime-version".to_owned()
    })?;
    Ok(asyncapi_codegen::vendor::Sources {
        workspace_manifest: workspace.to_owned(),
        crates: bundled::CRATES
            .iter()
            .map(|(package, files)| asyncapi_codegen::vendor::SupportCrate {
                package: (*package).to_owned(),
                dir: format!("crates/{package}"),
                files: files
                    .iter()
                    .map(|(rel, text)| ((*rel).to_owned(), (*text).to_owned()))
                    .collect(),
            })
            .collect(),
    })
}

fn scaffold(
    spec: &Path,
    out: &Path,
    args: &GenArgs,
    opts: &LoadOptions,
    type_name: &str,
) -> ExitCode {
    if out.exists() {
        eprintln!(
            "error: {} already exists; scaffold never overwrites a file (remove it or choose another --out)",
            out.display()
        );
        return ExitCode::from(EXIT_IO);
    }
    let doc = match load_or_report(spec, opts) {
        Ok(d) => d,
        Err(code) => return code,
    };
    let settings = match settings_or_report(args, spec) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let text = match asyncapi_codegen::scaffold(&doc, &settings, type_name) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_IO);
        }
    };
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(out)
        .and_then(|mut f| f.write_all(text.as_bytes()));
    match written {
        Ok(()) => {
            eprintln!("wrote {}", out.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: cannot write {}: {e}", out.display());
            ExitCode::from(EXIT_IO)
        }
    }
}

fn inspect(spec: &Path, opts: &LoadOptions, format: OutputFormat) -> ExitCode {
    let doc = match asyncapi_model::load(spec, opts) {
        Ok(doc) => doc,
        Err(e) => {
            eprint!("{}", render::render(&e.diagnostics));
            return ExitCode::from(if is_io(&e.diagnostics) {
                EXIT_IO
            } else {
                EXIT_INVALID
            });
        }
    };
    eprint!("{}", render::render(&doc.diagnostics));
    let summary = Summary::of(&doc);
    match format {
        OutputFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&summary).unwrap_or_default()
        ),
        OutputFormat::Human => print!("{}", summary.human()),
    }
    ExitCode::SUCCESS
}

/// What `inspect` prints: the document after bundling, by the names the generator will use.
#[derive(Debug, Serialize)]
struct Summary {
    version: String,
    title: String,
    servers: Vec<ServerSummary>,
    channels: Vec<ChannelSummary>,
    operations: Vec<OperationSummary>,
    messages: Vec<MessageSummary>,
    schemas: Vec<String>,
}

#[derive(Debug, Serialize)]
struct ServerSummary {
    name: String,
    url: String,
    protocol: String,
}

#[derive(Debug, Serialize)]
struct ChannelSummary {
    key: String,
    address: Option<String>,
    parameters: Vec<String>,
    messages: Vec<String>,
}

#[derive(Debug, Serialize)]
struct OperationSummary {
    name: String,
    action: Action,
    channel: String,
    messages: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reply: Option<ReplySummary>,
}

#[derive(Debug, Serialize)]
struct ReplySummary {
    channel: Option<String>,
    messages: Vec<String>,
    address: Option<String>,
}

#[derive(Debug, Serialize)]
struct MessageSummary {
    channel: String,
    key: String,
    name: Option<String>,
    content_type: Option<String>,
    payload: bool,
    headers: bool,
    schema_format: asyncapi_model::SchemaFormat,
    examples: usize,
}

impl Summary {
    fn of(doc: &Document) -> Summary {
        let api = &doc.api;
        let channel_key = |id: usize| api.channels[id].key.clone();
        let message_key = |id: usize| api.messages[id].key.clone();
        Summary {
            version: api.version.clone(),
            title: api.info.title.clone(),
            servers: api
                .servers
                .iter()
                .map(|s| ServerSummary {
                    name: s.name.clone(),
                    url: s.url.clone(),
                    protocol: s.protocol.clone(),
                })
                .collect(),
            channels: api
                .channels
                .iter()
                .map(|c| ChannelSummary {
                    key: c.key.clone(),
                    address: c.address.clone(),
                    parameters: c.parameters.iter().map(|p| p.name.clone()).collect(),
                    messages: c.messages.iter().map(|&m| message_key(m)).collect(),
                })
                .collect(),
            operations: api
                .operations
                .iter()
                .map(|o| OperationSummary {
                    name: o.key.clone(),
                    action: o.action,
                    channel: channel_key(o.channel),
                    messages: o.messages.iter().map(|&m| message_key(m)).collect(),
                    reply: o.reply.as_ref().map(|r| ReplySummary {
                        channel: r.channel.map(channel_key),
                        messages: r.messages.iter().map(|&m| message_key(m)).collect(),
                        address: r.address_location.clone(),
                    }),
                })
                .collect(),
            messages: api
                .messages
                .iter()
                .map(|m| MessageSummary {
                    channel: channel_key(m.channel),
                    key: m.key.clone(),
                    name: m.name.clone(),
                    content_type: m.content_type.clone(),
                    payload: m.payload.is_some(),
                    headers: m.headers.is_some(),
                    schema_format: m.payload_format.clone(),
                    examples: m.examples.len(),
                })
                .collect(),
            schemas: api.schemas.keys().cloned().collect(),
        }
    }

    fn human(&self) -> String {
        use std::fmt::Write as _;
        let mut s = String::new();
        let _ = writeln!(s, "{} (AsyncAPI {})", self.title, self.version);
        let _ = writeln!(s, "servers:");
        for sv in &self.servers {
            let _ = writeln!(s, "  {} {} ({})", sv.name, sv.url, sv.protocol);
        }
        let _ = writeln!(s, "channels:");
        for c in &self.channels {
            let addr = c.address.as_deref().unwrap_or("<no address>");
            let _ = writeln!(
                s,
                "  {} -> {addr}  messages: {}",
                c.key,
                c.messages.join(", ")
            );
        }
        let _ = writeln!(s, "operations:");
        for o in &self.operations {
            let action = match o.action {
                Action::Send => "send",
                Action::Receive => "receive",
            };
            let _ = writeln!(
                s,
                "  {} {action} on {}: {}",
                o.name,
                o.channel,
                o.messages.join(", ")
            );
        }
        let _ = writeln!(s, "schemas: {}", self.schemas.join(", "));
        s
    }
}
