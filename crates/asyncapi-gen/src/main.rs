//! `asyncapi-gen`: the command-line front end. It parses arguments, reads files, calls the
//! libraries and renders their diagnostics; the behaviour lives in the libraries.

mod render;

use std::io::Write;
use std::path::PathBuf;
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
    Generate {
        spec: PathBuf,
        /// The folder of the crate (created; files the generator no longer produces are deleted).
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        gen_args: GenArgs,
        #[command(flatten)]
        load: LoadArgs,
        /// Write nothing; exit 1 naming every file that is stale, missing or extra.
        #[arg(long)]
        check: bool,
        /// Print how long loading, generating and writing took.
        #[arg(long)]
        timings: bool,
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
        /// The name of your handler type.
        #[arg(long, default_value = "MyHandler")]
        type_name: String,
    },
    /// Prints the document as the generator sees it after bundling.
    Inspect {
        spec: PathBuf,
        #[command(flatten)]
        load: LoadArgs,
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
        }
    }
}

/// What shapes the generated crate.
#[derive(Debug, Args)]
struct GenArgs {
    /// The generated crate's package name (default: from the spec's file name).
    #[arg(long)]
    crate_name: Option<String>,
    /// `app`: the application the document describes; `client`: a client of it (every
    /// action reversed).
    #[arg(long, default_value = "app")]
    perspective: asyncapi_codegen::Perspective,
    /// Depend on the runtime crate at this path (default: this build's own runtime crate).
    #[arg(long, value_name = "PATH", conflicts_with = "runtime_version")]
    runtime_path: Option<String>,
    /// Depend on this version of asyncapi-runtime from a registry.
    #[arg(long, value_name = "VERSION")]
    runtime_version: Option<String>,
    /// Omit the `[workspace]` table, for a crate that is a member of an enclosing workspace.
    #[arg(long)]
    workspace_member: bool,
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

impl GenArgs {
    fn settings(&self, spec: &std::path::Path) -> asyncapi_codegen::Settings {
        let stem = spec
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let default_name: String = stem
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .collect::<String>()
            .split('-')
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join("-");
        let runtime = match (&self.runtime_path, &self.runtime_version) {
            (Some(p), _) => asyncapi_codegen::RuntimeDep::Path(p.clone()),
            (None, Some(v)) => asyncapi_codegen::RuntimeDep::Version(v.clone()),
            (None, None) => asyncapi_codegen::RuntimeDep::Path(
                std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("../asyncapi-runtime")
                    .to_string_lossy()
                    .into_owned(),
            ),
        };
        asyncapi_codegen::Settings {
            crate_name: self
                .crate_name
                .clone()
                .unwrap_or(if default_name.is_empty() {
                    "asyncapi-generated".into()
                } else {
                    default_name
                }),
            perspective: self.perspective,
            types: asyncapi_codegen::TypeSettings {
                typed_formats: !self.plain_formats,
                open_enums: !self.strict_enums,
                newtypes: !self.no_newtypes,
                lossless: !self.drop_unknown_fields,
            },
            runtime,
            source_label: spec
                .file_name()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
            standalone: !self.workspace_member,
            reexports: Vec::new(),
        }
    }
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
        Command::Inspect { spec, load, format } => inspect(&spec, &load.options(), format),
        Command::Generate {
            spec,
            out,
            gen_args,
            load,
            check,
            timings,
        } => generate(&spec, &out, &gen_args, &load.options(), check, timings),
        Command::Scaffold {
            spec,
            out,
            gen_args,
            load,
            type_name,
        } => scaffold(&spec, &out, &gen_args, &load.options(), &type_name),
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

fn load_or_report(spec: &std::path::Path, opts: &LoadOptions) -> Result<Document, ExitCode> {
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

fn generate(
    spec: &std::path::Path,
    out: &std::path::Path,
    args: &GenArgs,
    opts: &LoadOptions,
    check: bool,
    timings: bool,
) -> ExitCode {
    let started = std::time::Instant::now();
    let doc = match load_or_report(spec, opts) {
        Ok(d) => d,
        Err(code) => return code,
    };
    let loaded = started.elapsed();
    let settings = args.settings(spec);
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

fn scaffold(
    spec: &std::path::Path,
    out: &std::path::Path,
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
    let text = match asyncapi_codegen::scaffold(&doc, &args.settings(spec), type_name) {
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

fn inspect(spec: &std::path::Path, opts: &LoadOptions, format: OutputFormat) -> ExitCode {
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
