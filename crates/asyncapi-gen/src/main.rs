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
    /// Allow http(s) references that no --map-url covers.
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
        }
    }
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
    }
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
            Ok(doc) => (doc.diagnostics, true),
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
