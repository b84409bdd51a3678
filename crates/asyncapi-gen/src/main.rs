//! `asyncapi-gen`: the command-line front end. It parses arguments, reads files, calls the
//! libraries and renders their diagnostics; the behaviour lives in the libraries.

mod args;
mod inspect;
mod render;

/// mimalloc: generation makes and drops many small objects (syntax trees, strings) on every
/// core, and glibc's malloc and free were about a third of its time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use args::{DepArgs, GenArgs, LoadArgs, Strictness};
use asyncapi_model::{Document, LoadOptions};
use clap::{Parser, Subcommand, ValueEnum};

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
    let generated = started.elapsed();
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
    let written = asyncapi_codegen::write(out, &output.files, mode);
    if timings {
        let t = &output.timings;
        let write = started.elapsed() - generated;
        eprintln!(
            "timings: load {loaded:.1?}, generate {:.1?} (types {:.1?}, lower {:.1?}, emit {:.1?} and print {:.1?} on all cores), write {write:.1?}",
            generated - loaded,
            t.types,
            t.lower,
            t.emit,
            t.print,
        );
        // The same figures for tools (`cargo xtask bench`): milliseconds, wall clock except
        // `emit_cpu`/`print_cpu` (summed over the cores), and the peak resident memory.
        let ms = |d: std::time::Duration| d.as_secs_f64() * 1e3;
        let emit_and_print = (generated - loaded).saturating_sub(t.types + t.lower);
        eprintln!(
            "timings-json: {{\"load_ms\":{:.3},\"types_ms\":{:.3},\"lower_ms\":{:.3},\"emit_print_ms\":{:.3},\"emit_cpu_ms\":{:.3},\"print_cpu_ms\":{:.3},\"write_ms\":{:.3},\"total_ms\":{:.3},\"peak_kib\":{}}}",
            ms(loaded),
            ms(t.types),
            ms(t.lower),
            ms(emit_and_print),
            ms(t.emit),
            ms(t.print),
            ms(write),
            ms(started.elapsed()),
            peak_kib().map_or("null".to_owned(), |k| k.to_string()),
        );
    }
    match written {
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
    let support = bundled_sources().and_then(|sources| {
        vendor::support_crates_for(&sources, &output.support_packages).map_err(|e| e.to_string())
    });
    let support = match support {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_IO);
        }
    };
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
    let summary = inspect::Summary::of(&doc);
    match format {
        OutputFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&summary).unwrap_or_default()
        ),
        OutputFormat::Human => print!("{}", summary.human()),
    }
    ExitCode::SUCCESS
}

/// The process's peak resident memory in KiB (`VmHWM`), where the system reports it.
fn peak_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
