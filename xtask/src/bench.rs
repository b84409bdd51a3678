//! `cargo xtask bench [--quick] [--only PART]... [--out FILE]`: runs every benchmark of the
//! project and writes `docs/performance.md`.
//!
//! The parts (`--only` picks some; the others are reported as not run):
//!
//! - `generator`: the release `asyncapi-gen generate --timings` on the seed catalogue
//!   (`../shared/corpus/api-evangelist__adobe-io-events.yml`, skipped when absent),
//!   `specs/adobe-io-events.yaml` and the synthetic documents of 10, 100, 1,000 and 10,000
//!   channels (`--example synthetic`), several runs each, medians of every phase; the process
//!   wall time is measured here too.
//! - `modelina`: Modelina 5 (`xtask/modelina/run.mjs`, installed with `npm ci` into
//!   `target/bench/modelina/`) on the same documents, once each, up to 1,000 channels, killed
//!   after [`MODELINA_LIMIT`]; skipped when `node`/`npm` are missing.
//! - `code`: the crate generated from the 100-channel document: bytes of `src/`, and the debug
//!   `cargo build` after `touch src/lib.rs`, in a scratch workspace (`target/bench/gen100/`,
//!   own target folder), beside an empty crate with the same runtime dependency as baseline.
//! - `router`: `cargo bench -p adobe-io-events-tests --bench router` (criterion group `router`),
//!   read from `target/criterion/**/new/{benchmark,estimates}.json`.
//! - `webhook`: `cargo bench -p adobe-io-events-tests --bench webhook` with `BENCH_JSON`.
//!
//! A part that cannot run is reported as not measured, with the reason, and the others still
//! run. Every speed is also shown as a ratio to a baseline measured in the same run, since the
//! machine is shared and noisy. Sizes in MB are 10^6 bytes.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime};

use serde_json::Value;

/// How long Modelina may take on one document before it is killed.
pub const MODELINA_LIMIT: Duration = Duration::from_secs(180);
/// How long one `asyncapi-gen generate` may take.
const GENERATE_LIMIT: Duration = Duration::from_secs(600);
/// How long one cargo command may take.
const CARGO_LIMIT: Duration = Duration::from_secs(3600);
/// The seed catalogue, relative to the workspace root.
const SEED: &str = "../shared/corpus/api-evangelist__adobe-io-events.yml";
const ADOBE: &str = "specs/adobe-io-events.yaml";
const MB: f64 = 1e6;

// ---------------------------------------------------------------------------------------------
// The summary rows: what is measured, the target, and what limits it.
// ---------------------------------------------------------------------------------------------

/// A row of the summary table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Row {
    Seed,
    Adobe,
    Synthetic1k,
    Synthetic10k,
    CodeSize,
    Build,
    Decode,
    RouterAddress,
    RouterOneUrl,
    Webhook,
}

/// What the summary says about a row. `limit` is the "what limits it" text: `{auto}` in it
/// stands for the default derived from the measurement (e.g. `slowest phase: print (61%)`).
#[derive(Debug)]
struct RowSpec {
    row: Row,
    figure: &'static str,
    target: &'static str,
    limit: &'static str,
}

const ROWS: &[RowSpec] = &[
    RowSpec {
        row: Row::Seed,
        figure: "`generate` on the seed catalogue (472 lines)",
        target: "<= 5 ms",
        limit: "{auto}; tokens -> syn -> prettyplease for the router, messages and handlers: a cost per generated item that stays when the document is small",
    },
    RowSpec {
        row: Row::Adobe,
        figure: "`generate` on `specs/adobe-io-events.yaml`",
        target: "<= 10 ms",
        limit: "{auto}; load is YAML through yaml-rust2 with positions kept for errors (a third), types and emit+print the rest",
    },
    RowSpec {
        row: Row::Synthetic1k,
        figure: "`generate`, synthetic 1,000 channels (4.7 MB)",
        target: "<= 0.3 s (stretch 0.15 s), <= 120 MB peak",
        limit: "{auto}; printing goes through syn and prettyplease for 7 MB of router/message/handler code and allocates heavily (malloc was a third before mimalloc); the loaded document, the types and the texts are all alive at the peak",
    },
    RowSpec {
        row: Row::Synthetic10k,
        figure: "`generate`, synthetic 10,000 channels (48 MB)",
        target: "time <= 11x the 1,000 case, peak <= 20x input + 20 MB",
        limit: "{auto}; no phase is quadratic, but each grows 12-15x for 10x the input (a larger working set); the peak is the loaded document plus every type and every printed file, held together until written",
    },
    RowSpec {
        row: Row::CodeSize,
        figure: "generated Rust, synthetic 100 channels",
        target: "<= 1.2 MB",
        limit: "{auto}; nested inline schemas identical to one met before are one type; what is left is per channel: six named component types with their docs, derives and validation impls, a message struct with encode/decode, a router method and a handler method",
    },
    RowSpec {
        row: Row::Build,
        figure: "debug `cargo build` of that crate after a touch",
        target: "<= 8 s",
        limit: "{auto}; serde derives and constrained-newtype impls for every type, and an async method per message in the router and handler trait; the schemars derives and impls are the default-on feature `json-schema`, within 0.2 s of the target when off",
    },
    RowSpec {
        row: Row::Decode,
        figure: "generated `DatasetIngestionPayload` from bytes vs a hand-written struct",
        target: "<= 1.2x",
        limit: "{auto}; the generated types validate (minLength, two patterns through regress), pick the oneOf branch and keep unknown properties; the hand-written struct does none of these",
    },
    RowSpec {
        row: Row::RouterAddress,
        figure: "router dispatch by address vs bare `serde_json::from_slice::<Payload>`",
        target: "<= 1.1x",
        limit: "{auto}; the typed, validated headers (two 344-character base64 signatures checked against their pattern by regress's backtracker) and the handler context; payload decoding is the same as the baseline's",
    },
    RowSpec {
        row: Row::RouterOneUrl,
        figure: "router dispatch on one URL vs bare `serde_json::from_slice::<Payload>`",
        target: "<= 1.1x",
        limit: "{auto}; as by address, plus choosing among the API's ten messages by the event-code header",
    },
    RowSpec {
        row: Row::Webhook,
        figure: "webhook end to end, verification on, vs a bare axum handler",
        target: ">= 0.7x events/s",
        limit: "{auto}; per request the receiver copies the headers, reads the envelope fields in one pass, checks dedup and routes (the router alone is ~15 us for a 1 KB event) on top of what the bare handler does; a batch shares one verification and one request among ten events",
    },
];

#[derive(Debug, Clone, PartialEq, Eq)]
enum Status {
    Met,
    NotMet,
    NotMeasured,
}

impl Status {
    fn label(&self) -> &'static str {
        match self {
            Status::Met => "met",
            Status::NotMet => "**not met**",
            Status::NotMeasured => "not measured",
        }
    }
}

/// One evaluated summary row.
#[derive(Debug, Clone, PartialEq)]
struct Verdict {
    measured: String,
    status: Status,
    /// Appended to the status (e.g. whether the stretch target is met).
    note: String,
    /// The default "what limits it", derived from the measurement.
    auto: String,
}

impl Verdict {
    fn not_measured(reason: &str) -> Verdict {
        Verdict {
            measured: format!("not measured: {reason}"),
            status: Status::NotMeasured,
            note: String::new(),
            auto: String::new(),
        }
    }
}

fn at_most(value: f64, limit: f64) -> Status {
    if value <= limit {
        Status::Met
    } else {
        Status::NotMet
    }
}

fn at_least(value: f64, limit: f64) -> Status {
    if value >= limit {
        Status::Met
    } else {
        Status::NotMet
    }
}

fn all_met(statuses: &[Status]) -> Status {
    if statuses.iter().all(|s| *s == Status::Met) {
        Status::Met
    } else {
        Status::NotMet
    }
}

/// The 10,000-channel peak limit: 20x the input plus 20 MB, in bytes.
fn peak_limit_10k(input_bytes: u64) -> f64 {
    20.0 * input_bytes as f64 + 20.0 * MB
}

// ---------------------------------------------------------------------------------------------
// Options.
// ---------------------------------------------------------------------------------------------

/// A part of the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Part {
    Generator,
    Modelina,
    Code,
    Router,
    Webhook,
}

impl Part {
    const ALL: [Part; 5] = [
        Part::Generator,
        Part::Modelina,
        Part::Code,
        Part::Router,
        Part::Webhook,
    ];

    fn name(self) -> &'static str {
        match self {
            Part::Generator => "generator",
            Part::Modelina => "modelina",
            Part::Code => "code",
            Part::Router => "router",
            Part::Webhook => "webhook",
        }
    }

    fn parse(s: &str) -> Option<Part> {
        Part::ALL.into_iter().find(|p| p.name() == s)
    }
}

/// What `cargo xtask bench` was asked to do.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    pub quick: bool,
    /// The parts to run; empty means all.
    pub only: Vec<Part>,
    pub out: Option<PathBuf>,
}

impl Options {
    fn runs(&self, part: Part) -> bool {
        self.only.is_empty() || self.only.contains(&part)
    }
}

fn parse_options(args: &[String]) -> Result<Options, String> {
    let mut opts = Options {
        quick: false,
        only: Vec::new(),
        out: None,
    };
    let mut args = args.iter();
    while let Some(a) = args.next() {
        match a.as_str() {
            "--quick" => opts.quick = true,
            "--only" => {
                let v = args.next().ok_or("--only needs a value")?;
                let part = Part::parse(v).ok_or_else(|| {
                    format!(
                        "unknown part `{v}` (one of: {})",
                        Part::ALL.map(Part::name).join(", ")
                    )
                })?;
                if !opts.only.contains(&part) {
                    opts.only.push(part);
                }
            }
            "--out" => {
                let v = args.next().ok_or("--out needs a value")?;
                opts.out = Some(PathBuf::from(v));
            }
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    opts.only.sort();
    Ok(opts)
}

/// `cargo xtask bench ARGS`.
pub fn task(args: &[String], root: &Path, usage: &str) -> ExitCode {
    let opts = match parse_options(args) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}\n{usage}");
            return ExitCode::from(2);
        }
    };
    let command = std::iter::once("cargo xtask bench".to_owned())
        .chain(args.iter().cloned())
        .collect::<Vec<_>>()
        .join(" ");
    let out = opts
        .out
        .clone()
        .unwrap_or_else(|| root.join("docs/performance.md"));
    let report = run(root, &opts, command);
    let text = render(&report);
    if let Some(parent) = out.parent() {
        let _ = std::fs::create_dir_all(parent);
    }
    if let Err(e) = std::fs::write(&out, &text) {
        eprintln!("error: cannot write {}: {e}", out.display());
        return ExitCode::from(1);
    }
    print!("{}", summary_table(&report));
    let not_met = verdicts(&report)
        .iter()
        .filter(|(_, v)| v.status == Status::NotMet)
        .count();
    eprintln!(
        "wrote {} in {}; {not_met} target(s) not met",
        out.display(),
        fmt_duration(report.elapsed)
    );
    ExitCode::SUCCESS
}

// ---------------------------------------------------------------------------------------------
// What a run found.
// ---------------------------------------------------------------------------------------------

/// The machine the figures come from.
#[derive(Debug, Clone, Default, PartialEq)]
struct Machine {
    cpu: String,
    cores: usize,
    memory_kib: Option<u64>,
    rustc: String,
    node: Option<String>,
    date: String,
}

/// The `timings-json:` line of `asyncapi-gen generate --timings`: milliseconds, wall clock
/// except the `_cpu` ones (summed over cores); the peak resident memory in KiB.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Timings {
    load_ms: f64,
    types_ms: f64,
    lower_ms: f64,
    emit_print_ms: f64,
    emit_cpu_ms: f64,
    print_cpu_ms: f64,
    write_ms: f64,
    total_ms: f64,
    peak_kib: Option<u64>,
}

/// A document the generator part measures.
#[derive(Debug, Clone, PartialEq)]
struct DocSpec {
    /// As the report names it.
    label: String,
    path: PathBuf,
    /// Channels of a synthetic document.
    channels: Option<usize>,
    runs: usize,
}

/// The generator on one document: medians of `runs` runs.
#[derive(Debug, Clone, PartialEq)]
struct GenRow {
    bytes: u64,
    runs: usize,
    median: Timings,
    /// The process, start to exit, measured here.
    wall_ms: f64,
}

#[derive(Debug, Clone, PartialEq)]
struct GenEntry {
    label: String,
    channels: Option<usize>,
    outcome: Result<GenRow, String>,
}

#[derive(Debug, Clone, PartialEq)]
struct Generator {
    entries: Vec<GenEntry>,
    /// The release `synthetic` example writing the 1,000-channel document (ms): a fixed amount
    /// of single-core work, the reference for this machine at this moment.
    reference_ms: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
enum ModelinaOutcome {
    Done {
        ms: f64,
        peak_kib: u64,
        wall_ms: f64,
        models: u64,
    },
    TimedOut(Duration),
    Failed(String),
    Skipped(String),
}

#[derive(Debug, Clone, PartialEq)]
struct ModelinaEntry {
    label: String,
    outcome: ModelinaOutcome,
}

#[derive(Debug, Clone, PartialEq)]
struct Code {
    /// `src/` files relative to it, with their bytes, in name order.
    files: Vec<(String, u64)>,
    first_build_s: f64,
    runs: usize,
    /// Median debug build after `touch src/lib.rs`.
    build_s: f64,
    /// The same without the default `json-schema` feature (`--no-default-features`).
    lean_s: f64,
    /// The same for an empty crate with the same runtime dependency.
    baseline_s: f64,
}

impl Code {
    fn total(&self) -> u64 {
        self.files.iter().map(|(_, b)| b).sum()
    }
}

/// Criterion means (ns) by benchmark id without the group (`1KB/serde`).
#[derive(Debug, Clone, PartialEq, Default)]
struct Router {
    ns: BTreeMap<String, f64>,
    /// `decode/handwritten` and `decode/generated`, from the `router` or a `decode` group.
    decode: BTreeMap<String, f64>,
}

#[derive(Debug, Clone, PartialEq, Default)]
struct Scenario {
    name: String,
    requests: u64,
    events: u64,
    seconds: f64,
    events_per_s: f64,
    requests_per_s: f64,
    p50_us: f64,
    p99_us: f64,
    errors: u64,
}

#[derive(Debug, Clone, PartialEq, Default)]
struct Webhook {
    scenarios: Vec<Scenario>,
    ratio_single_to_bare: Option<f64>,
    ratio_batch_to_bare: Option<f64>,
    verification_share: Option<f64>,
    verification_method: String,
}

/// Everything a run found; a part that did not run holds why.
#[derive(Debug, Clone, PartialEq)]
struct Report {
    machine: Machine,
    command: String,
    quick: bool,
    elapsed: Duration,
    generator: Result<Generator, String>,
    modelina: Result<Vec<ModelinaEntry>, String>,
    code: Result<Code, String>,
    router: Result<Router, String>,
    webhook: Result<Webhook, String>,
}

// ---------------------------------------------------------------------------------------------
// Running.
// ---------------------------------------------------------------------------------------------

#[derive(Debug)]
struct Ctx {
    root: PathBuf,
    target: PathBuf,
    /// `target/bench/`.
    scratch: PathBuf,
    quick: bool,
}

impl Ctx {
    fn release(&self, name: &str) -> PathBuf {
        self.target.join("release").join(name)
    }

    fn runtime(&self) -> PathBuf {
        self.root.join("crates/asyncapi-runtime")
    }

    fn log(&self, name: &str) -> PathBuf {
        self.scratch.join("logs").join(name)
    }
}

fn run(root: &Path, opts: &Options, command: String) -> Report {
    let started = Instant::now();
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|t| if t.is_absolute() { t } else { root.join(t) })
        .unwrap_or_else(|| root.join("target"));
    let ctx = Ctx {
        root: root.to_path_buf(),
        scratch: target.join("bench"),
        target,
        quick: opts.quick,
    };
    let machine = machine();
    let docs_needed = opts.runs(Part::Generator) || opts.runs(Part::Modelina);
    let docs = if docs_needed || opts.runs(Part::Code) {
        prepare(&ctx)
    } else {
        Err(String::new())
    };
    let docs_err = |e: &String| format!("the documents could not be prepared: {e}");

    let generator = if !opts.runs(Part::Generator) {
        not_run(opts, Part::Generator)
    } else {
        match &docs {
            Ok(d) => Ok(generator(&ctx, d)),
            Err(e) => Err(docs_err(e)),
        }
    };
    let modelina = if !opts.runs(Part::Modelina) {
        not_run(opts, Part::Modelina)
    } else {
        match &docs {
            Ok(d) => modelina(&ctx, d, machine.node.is_some()),
            Err(e) => Err(docs_err(e)),
        }
    };
    let code = if !opts.runs(Part::Code) {
        not_run(opts, Part::Code)
    } else {
        match &docs {
            Ok(d) => code(&ctx, d),
            Err(e) => Err(docs_err(e)),
        }
    };
    let router = if opts.runs(Part::Router) {
        router(&ctx)
    } else {
        not_run(opts, Part::Router)
    };
    let webhook = if opts.runs(Part::Webhook) {
        webhook(&ctx)
    } else {
        not_run(opts, Part::Webhook)
    };
    Report {
        machine,
        command,
        quick: opts.quick,
        elapsed: started.elapsed(),
        generator,
        modelina,
        code,
        router,
        webhook,
    }
}

/// Why `part` was not run.
fn not_run<T>(opts: &Options, part: Part) -> Result<T, String> {
    eprintln!("bench: skipping {}", part.name());
    Err(format!(
        "not run (`--only {}`)",
        opts.only
            .iter()
            .map(|p| p.name())
            .collect::<Vec<_>>()
            .join(" --only ")
    ))
}

/// A finished (or killed) process.
#[derive(Debug)]
struct Finished {
    /// `None` when it was killed for taking too long.
    status: Option<ExitStatus>,
    stdout: String,
    stderr: String,
    wall: Duration,
}

impl Finished {
    fn ok(&self) -> bool {
        self.status.is_some_and(|s| s.success())
    }

    /// Why it failed, with the end of what it printed on stderr.
    fn failure(&self, what: &str) -> String {
        match self.status {
            None => format!("{what} timed out after {}", fmt_duration(self.wall)),
            Some(s) => {
                let tail: Vec<&str> = self
                    .stderr
                    .lines()
                    .filter(|l| !l.trim().is_empty())
                    .collect();
                let tail = tail[tail.len().saturating_sub(6)..].join("\n");
                format!("{what} failed ({s}): {tail}")
            }
        }
    }
}

fn describe(cmd: &Command) -> String {
    std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(|a| a.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Runs `cmd` with stdout and stderr into the given files (read back afterwards), killing it
/// after `limit`. The wall time is taken as soon as it exits.
fn run_limited(
    cmd: &mut Command,
    limit: Duration,
    stdout: &Path,
    stderr: &Path,
) -> Result<Finished, String> {
    let what = describe(cmd);
    for p in [stdout, stderr] {
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
    }
    let open =
        |p: &Path| File::create(p).map_err(|e| format!("cannot create {}: {e}", p.display()));
    let (out, err) = (open(stdout)?, open(stderr)?);
    let started = Instant::now();
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .map_err(|e| format!("cannot run {what}: {e}"))?;
    let pid = child.id();
    let (tx, rx) = mpsc::channel();
    let waiter = std::thread::spawn(move || {
        let status = child.wait();
        let _ = tx.send(started.elapsed());
        status
    });
    let (killed, wall) = match rx.recv_timeout(limit) {
        Ok(wall) => (false, wall),
        Err(_) => {
            // The child is owned by the waiting thread: end it by its id.
            let _ = Command::new("kill")
                .arg("-KILL")
                .arg(pid.to_string())
                .status();
            (true, started.elapsed())
        }
    };
    let status = waiter
        .join()
        .map_err(|_| format!("waiting for {what} failed"))?
        .map_err(|e| format!("waiting for {what}: {e}"))?;
    let read = |p: &Path| {
        std::fs::read(p)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    };
    Ok(Finished {
        status: (!killed).then_some(status),
        stdout: read(stdout),
        stderr: read(stderr),
        wall,
    })
}

fn cargo_command(ctx: &Ctx) -> Command {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(&ctx.root);
    cmd
}

/// Builds the release generator and its examples, and writes the synthetic documents.
fn prepare(ctx: &Ctx) -> Result<Vec<DocSpec>, String> {
    eprintln!("bench: cargo build --release -p asyncapi-gen --bins --examples");
    let mut cmd = cargo_command(ctx);
    cmd.args([
        "build",
        "--release",
        "-p",
        "asyncapi-gen",
        "--bins",
        "--examples",
    ]);
    let f = run_limited(
        &mut cmd,
        CARGO_LIMIT,
        &ctx.log("build-release.out"),
        &ctx.log("build-release.err"),
    )?;
    if !f.ok() {
        return Err(f.failure("cargo build --release -p asyncapi-gen"));
    }
    let (small, medium, large) = if ctx.quick { (3, 2, 1) } else { (5, 3, 2) };
    let mut docs = Vec::new();
    let seed = ctx.root.join(SEED);
    docs.push(DocSpec {
        label: "seed catalogue".to_owned(),
        path: seed,
        channels: None,
        runs: small,
    });
    docs.push(DocSpec {
        label: "Adobe spec".to_owned(),
        path: ctx.root.join(ADOBE),
        channels: None,
        runs: small,
    });
    let mut counts = vec![(10, small), (100, small), (1000, medium)];
    if !ctx.quick {
        counts.push((10_000, large));
    }
    for (n, runs) in counts {
        let path = ctx.scratch.join(format!("synthetic-{n}.json"));
        eprintln!("bench: writing {}", path.display());
        let mut cmd = Command::new(ctx.release("examples/synthetic"));
        cmd.arg(n.to_string());
        let f = run_limited(&mut cmd, GENERATE_LIMIT, &path, &ctx.log("synthetic.err"))?;
        if !f.ok() {
            return Err(f.failure(&format!("the synthetic example ({n} channels)")));
        }
        docs.push(DocSpec {
            label: format!("synthetic {}", thousands(n as u64)),
            path,
            channels: Some(n),
            runs,
        });
    }
    Ok(docs)
}

/// The median of the wall time of the synthetic example writing 1,000 channels.
fn reference(ctx: &Ctx) -> Option<f64> {
    let mut walls = Vec::new();
    for _ in 0..3 {
        let mut cmd = Command::new(ctx.release("examples/synthetic"));
        cmd.arg("1000");
        let f = run_limited(
            &mut cmd,
            GENERATE_LIMIT,
            &ctx.scratch.join("reference.json"),
            &ctx.log("reference.err"),
        )
        .ok()?;
        if !f.ok() {
            return None;
        }
        walls.push(f.wall.as_secs_f64() * 1e3);
    }
    median(&walls)
}

fn generator(ctx: &Ctx, docs: &[DocSpec]) -> Generator {
    let reference_ms = reference(ctx);
    let entries = docs
        .iter()
        .map(|d| GenEntry {
            label: d.label.clone(),
            channels: d.channels,
            outcome: generate_doc(ctx, d),
        })
        .collect();
    Generator {
        entries,
        reference_ms,
    }
}

fn generate_doc(ctx: &Ctx, doc: &DocSpec) -> Result<GenRow, String> {
    let bytes = std::fs::metadata(&doc.path)
        .map_err(|e| format!("absent ({}: {e})", doc.path.display()))?
        .len();
    let out = ctx.scratch.join("gen-out");
    let mut timings = Vec::new();
    let mut walls = Vec::new();
    for i in 0..doc.runs {
        eprintln!(
            "bench: generate {} ({}/{})",
            doc.path.display(),
            i + 1,
            doc.runs
        );
        // Every run writes every file, as a first generation does.
        if out.exists() {
            std::fs::remove_dir_all(&out)
                .map_err(|e| format!("cannot remove {}: {e}", out.display()))?;
        }
        let mut cmd = Command::new(ctx.release("asyncapi-gen"));
        cmd.arg("generate")
            .arg(&doc.path)
            .arg("--out")
            .arg(&out)
            .arg("--timings")
            .args(["--max-size", "1G"])
            .arg("--runtime-path")
            .arg(ctx.runtime())
            .current_dir(&ctx.root);
        let f = run_limited(
            &mut cmd,
            GENERATE_LIMIT,
            &ctx.log("generate.out"),
            &ctx.log("generate.err"),
        )?;
        if !f.ok() {
            return Err(f.failure("asyncapi-gen generate"));
        }
        timings.push(parse_timings(&f.stderr)?);
        walls.push(f.wall.as_secs_f64() * 1e3);
    }
    Ok(GenRow {
        bytes,
        runs: doc.runs,
        median: median_timings(&timings).ok_or("no run")?,
        wall_ms: median(&walls).ok_or("no run")?,
    })
}

/// Reads the `timings-json: {...}` line out of `generate --timings`' stderr.
fn parse_timings(stderr: &str) -> Result<Timings, String> {
    let line = stderr
        .lines()
        .find_map(|l| l.trim().strip_prefix("timings-json:"))
        .ok_or("no `timings-json:` line in the output of `generate --timings`")?;
    let v: Value = serde_json::from_str(line.trim())
        .map_err(|e| format!("the `timings-json:` line is not JSON: {e}"))?;
    let ms = |k: &str| {
        v[k].as_f64()
            .ok_or_else(|| format!("the `timings-json:` line has no number `{k}`"))
    };
    Ok(Timings {
        load_ms: ms("load_ms")?,
        types_ms: ms("types_ms")?,
        lower_ms: ms("lower_ms")?,
        emit_print_ms: ms("emit_print_ms")?,
        emit_cpu_ms: ms("emit_cpu_ms")?,
        print_cpu_ms: ms("print_cpu_ms")?,
        write_ms: ms("write_ms")?,
        total_ms: ms("total_ms")?,
        peak_kib: v["peak_kib"].as_u64(),
    })
}

fn median(values: &[f64]) -> Option<f64> {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(v[n / 2]),
        _ => Some((v[n / 2 - 1] + v[n / 2]) / 2.0),
    }
}

/// The median of each figure on its own.
fn median_timings(runs: &[Timings]) -> Option<Timings> {
    let m = |f: fn(&Timings) -> f64| median(&runs.iter().map(f).collect::<Vec<_>>());
    let peaks: Vec<f64> = runs
        .iter()
        .filter_map(|t| t.peak_kib)
        .map(|k| k as f64)
        .collect();
    Some(Timings {
        load_ms: m(|t| t.load_ms)?,
        types_ms: m(|t| t.types_ms)?,
        lower_ms: m(|t| t.lower_ms)?,
        emit_print_ms: m(|t| t.emit_print_ms)?,
        emit_cpu_ms: m(|t| t.emit_cpu_ms)?,
        print_cpu_ms: m(|t| t.print_cpu_ms)?,
        write_ms: m(|t| t.write_ms)?,
        total_ms: m(|t| t.total_ms)?,
        peak_kib: median(&peaks).map(|k| k.round() as u64),
    })
}

/// `node` and `npm` versions, when both run.
fn node_version() -> Option<String> {
    let version = |program: &str| {
        Command::new(program)
            .arg("--version")
            .stdin(Stdio::null())
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
    };
    Some(format!(
        "node {}, npm {}",
        version("node")?,
        version("npm")?
    ))
}

/// Copies the runner into `target/bench/modelina/` and installs it when needed.
fn modelina_setup(ctx: &Ctx) -> Result<PathBuf, String> {
    let src = ctx.root.join("xtask/modelina");
    let dir = ctx.scratch.join("modelina");
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    for name in ["package.json", "package-lock.json", "run.mjs"] {
        std::fs::copy(src.join(name), dir.join(name))
            .map_err(|e| format!("cannot copy {}: {e}", src.join(name).display()))?;
    }
    let lock = std::fs::read(src.join("package-lock.json")).unwrap_or_default();
    let marker = dir.join("installed-lock.json");
    let installed =
        dir.join("node_modules").is_dir() && std::fs::read(&marker).is_ok_and(|m| m == lock);
    if !installed {
        eprintln!("bench: npm ci in {}", dir.display());
        let mut cmd = Command::new("npm");
        cmd.args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&dir);
        let f = run_limited(
            &mut cmd,
            Duration::from_secs(900),
            &ctx.log("npm-ci.out"),
            &ctx.log("npm-ci.err"),
        )?;
        if !f.ok() {
            return Err(f.failure("npm ci"));
        }
        std::fs::write(&marker, &lock)
            .map_err(|e| format!("cannot write {}: {e}", marker.display()))?;
    }
    Ok(dir)
}

fn modelina(ctx: &Ctx, docs: &[DocSpec], has_node: bool) -> Result<Vec<ModelinaEntry>, String> {
    if !has_node {
        return Err("`node` and `npm` are not both installed".to_owned());
    }
    let dir = modelina_setup(ctx)?;
    let max_channels = if ctx.quick { 100 } else { 1000 };
    let mut entries = Vec::new();
    for doc in docs {
        let outcome = match doc.channels {
            Some(n) if n > max_channels => ModelinaOutcome::Skipped(format!(
                "skipped above {} channels{}",
                thousands(max_channels as u64),
                if ctx.quick { " (--quick)" } else { "" }
            )),
            _ if !doc.path.exists() => ModelinaOutcome::Skipped("absent".to_owned()),
            _ => modelina_doc(ctx, &dir, doc),
        };
        entries.push(ModelinaEntry {
            label: doc.label.clone(),
            outcome,
        });
    }
    Ok(entries)
}

fn modelina_doc(ctx: &Ctx, dir: &Path, doc: &DocSpec) -> ModelinaOutcome {
    eprintln!("bench: modelina {}", doc.path.display());
    let path = std::path::absolute(&doc.path).unwrap_or_else(|_| doc.path.clone());
    let mut cmd = Command::new("node");
    cmd.arg("run.mjs")
        .arg(path)
        .arg(dir.join("out"))
        .current_dir(dir);
    let f = match run_limited(
        &mut cmd,
        MODELINA_LIMIT,
        &ctx.log("modelina.out"),
        &ctx.log("modelina.err"),
    ) {
        Ok(f) => f,
        Err(e) => return ModelinaOutcome::Failed(e),
    };
    if f.status.is_none() {
        return ModelinaOutcome::TimedOut(f.wall);
    }
    if !f.ok() {
        return ModelinaOutcome::Failed(f.failure("node run.mjs"));
    }
    match parse_modelina(&f.stdout) {
        Ok((ms, peak_kib, models)) => ModelinaOutcome::Done {
            ms,
            peak_kib,
            wall_ms: f.wall.as_secs_f64() * 1e3,
            models,
        },
        Err(e) => ModelinaOutcome::Failed(e),
    }
}

/// The runner's last line: `{"ms":..,"peak_kib":..,"models":..}`.
fn parse_modelina(stdout: &str) -> Result<(f64, u64, u64), String> {
    let line = stdout
        .lines()
        .rev()
        .find(|l| l.trim_start().starts_with('{'))
        .ok_or("run.mjs printed no JSON")?;
    let v: Value =
        serde_json::from_str(line).map_err(|e| format!("run.mjs printed bad JSON: {e}"))?;
    let ms = v["ms"].as_f64().ok_or("run.mjs printed no `ms`")?;
    let peak = v["peak_kib"]
        .as_u64()
        .ok_or("run.mjs printed no `peak_kib`")?;
    Ok((ms, peak, v["models"].as_u64().unwrap_or(0)))
}

const GEN100: &str = "synthetic-100";
const BASELINE: &str = "bench-baseline";

/// The crate of the 100-channel document: its size and its debug build time after a touch.
fn code(ctx: &Ctx, docs: &[DocSpec]) -> Result<Code, String> {
    let doc = docs
        .iter()
        .find(|d| d.channels == Some(100))
        .ok_or("no 100-channel document")?;
    let ws = ctx.scratch.join("gen100");
    std::fs::create_dir_all(&ws).map_err(|e| format!("cannot create {}: {e}", ws.display()))?;
    let krate = ws.join(GEN100);
    eprintln!(
        "bench: generate {} into {}",
        doc.path.display(),
        krate.display()
    );
    let mut cmd = Command::new(ctx.release("asyncapi-gen"));
    cmd.arg("generate")
        .arg(&doc.path)
        .arg("--out")
        .arg(&krate)
        .args([
            "--crate-name",
            GEN100,
            "--workspace-member",
            "--runtime-path",
        ])
        .arg(ctx.runtime())
        .current_dir(&ctx.root);
    let f = run_limited(
        &mut cmd,
        GENERATE_LIMIT,
        &ctx.log("gen100.out"),
        &ctx.log("gen100.err"),
    )?;
    if !f.ok() {
        return Err(f.failure("asyncapi-gen generate"));
    }
    let files = sizes(&krate.join("src"))?;
    write_scratch_workspace(ctx, &ws)?;

    let target = ws.join("target");
    let build = |package: &str, extra: &[&str], log: &str| -> Result<f64, String> {
        let mut cmd = cargo_command(ctx);
        cmd.arg("build")
            .arg("--manifest-path")
            .arg(ws.join("Cargo.toml"))
            .args(["-p", package])
            .args(extra)
            .env("CARGO_TARGET_DIR", &target)
            .env_remove("RUSTFLAGS")
            .env_remove("CARGO_ENCODED_RUSTFLAGS")
            .env_remove("CARGO_BUILD_TARGET_DIR");
        let f = run_limited(
            &mut cmd,
            CARGO_LIMIT,
            &ctx.log(&format!("{log}.out")),
            &ctx.log(&format!("{log}.err")),
        )?;
        if !f.ok() {
            return Err(f.failure(&format!("cargo build -p {package}")));
        }
        Ok(f.wall.as_secs_f64())
    };
    eprintln!("bench: first build of {} (untimed)", ws.display());
    let first_build_s = build(GEN100, &[], "gen100-first")?;
    build(GEN100, &["--no-default-features"], "gen100-lean-first")?;
    build(BASELINE, &[], "baseline-first")?;
    let runs = if ctx.quick { 1 } else { 3 };
    let timed = |package: &str, extra: &[&str], dir: &Path| -> Result<f64, String> {
        let mut walls = Vec::new();
        for i in 0..runs {
            eprintln!(
                "bench: touch + cargo build -p {package} {} ({}/{runs})",
                extra.join(" "),
                i + 1
            );
            touch(&dir.join("src/lib.rs"))?;
            walls.push(build(package, extra, "touched")?);
        }
        median(&walls).ok_or_else(|| "no build".to_owned())
    };
    let build_s = timed(GEN100, &[], &krate)?;
    let lean_s = timed(GEN100, &["--no-default-features"], &krate)?;
    let baseline_s = timed(BASELINE, &[], &ws.join(BASELINE))?;
    Ok(Code {
        files,
        first_build_s,
        runs,
        build_s,
        lean_s,
        baseline_s,
    })
}

/// The workspace of the generated crate and the baseline crate, with the main workspace's
/// lock file so the same dependency versions are used (and nothing needs fetching).
fn write_scratch_workspace(ctx: &Ctx, ws: &Path) -> Result<(), String> {
    let write = |p: &Path, text: &str| {
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        if std::fs::read_to_string(p).is_ok_and(|old| old == text) {
            return Ok(());
        }
        std::fs::write(p, text).map_err(|e| format!("cannot write {}: {e}", p.display()))
    };
    write(
        &ws.join("Cargo.toml"),
        &format!(
            "# Written by `cargo xtask bench`.\n[workspace]\nresolver = \"3\"\nmembers = [\"{GEN100}\", \"{BASELINE}\"]\n"
        ),
    )?;
    let runtime = ctx.runtime().to_string_lossy().replace('\\', "/");
    write(
        &ws.join(BASELINE).join("Cargo.toml"),
        &format!(
            "[package]\nname = \"{BASELINE}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n[dependencies]\nasyncapi-runtime = {{ path = '{runtime}' }}\n"
        ),
    )?;
    write(
        &ws.join(BASELINE).join("src/lib.rs"),
        "//! The baseline of the build-time figure: an empty crate with the runtime dependency.\n\npub fn baseline() -> usize {\n    1\n}\n",
    )?;
    let lock = ws.join("Cargo.lock");
    if !lock.exists()
        && let Ok(text) = std::fs::read_to_string(ctx.root.join("Cargo.lock"))
    {
        write(&lock, &text)?;
    }
    Ok(())
}

fn touch(path: &Path) -> Result<(), String> {
    File::options()
        .write(true)
        .open(path)
        .and_then(|f| f.set_modified(SystemTime::now()))
        .map_err(|e| format!("cannot touch {}: {e}", path.display()))
}

/// Every file under `dir` with its bytes, by path relative to `dir`, in name order.
fn sizes(dir: &Path) -> Result<Vec<(String, u64)>, String> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<(String, u64)>) -> Result<(), String> {
        let entries =
            std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
        for entry in entries {
            let entry = entry.map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
            let path = entry.path();
            let meta = entry
                .metadata()
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            if meta.is_dir() {
                walk(base, &path, out)?;
            } else {
                let rel = path.strip_prefix(base).unwrap_or(&path);
                out.push((rel.to_string_lossy().replace('\\', "/"), meta.len()));
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out)?;
    out.sort();
    Ok(out)
}

const BENCH_PACKAGE: &str = "adobe-io-events-tests";

/// Whether `crates/adobe-io-events-tests` has the bench `name`.
fn has_bench(ctx: &Ctx, name: &str) -> Result<(), String> {
    let dir = ctx.root.join("crates").join(BENCH_PACKAGE);
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap_or_default();
    let declared = manifest.contains("[[bench]]") && manifest.contains(&format!("\"{name}\""));
    if declared || dir.join("benches").join(format!("{name}.rs")).is_file() {
        Ok(())
    } else {
        Err(format!(
            "no bench `{name}` in {BENCH_PACKAGE} (crates/{BENCH_PACKAGE}/benches/{name}.rs)"
        ))
    }
}

fn cargo_bench(ctx: &Ctx, name: &str, env: &[(&str, &Path)], args: &[&str]) -> Result<(), String> {
    has_bench(ctx, name)?;
    eprintln!("bench: cargo bench -p {BENCH_PACKAGE} --bench {name}");
    let mut cmd = cargo_command(ctx);
    cmd.args(["bench", "-p", BENCH_PACKAGE, "--bench", name]);
    if !args.is_empty() {
        cmd.arg("--").args(args);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let f = run_limited(
        &mut cmd,
        CARGO_LIMIT,
        &ctx.log(&format!("bench-{name}.out")),
        &ctx.log(&format!("bench-{name}.err")),
    )?;
    if !f.ok() {
        return Err(f.failure(&format!("cargo bench --bench {name}")));
    }
    Ok(())
}

fn router(ctx: &Ctx) -> Result<Router, String> {
    let criterion = ctx.target.join("criterion");
    let since = SystemTime::now();
    let quick: &[&str] = if ctx.quick {
        &["--warm-up-time", "1", "--measurement-time", "2"]
    } else {
        &[]
    };
    cargo_bench(ctx, "router", &[("CRITERION_HOME", &criterion)], quick)?;
    let all = read_criterion(&criterion, Some(since))?;
    let mut r = Router::default();
    for (id, ns) in all {
        if let Some(rest) = id.strip_prefix("router/") {
            if rest.starts_with("decode/") {
                r.decode.insert(rest.to_owned(), ns);
            } else {
                r.ns.insert(rest.to_owned(), ns);
            }
        } else if id.starts_with("decode/") {
            r.decode.insert(id, ns);
        }
    }
    if r.ns.is_empty() {
        return Err(format!(
            "the bench wrote no results of the group `router` under {}",
            criterion.display()
        ));
    }
    Ok(r)
}

/// Every criterion result under `dir` (written after `since`): full id -> mean, in ns.
fn read_criterion(dir: &Path, since: Option<SystemTime>) -> Result<BTreeMap<String, f64>, String> {
    fn walk(
        dir: &Path,
        since: Option<SystemTime>,
        out: &mut BTreeMap<String, f64>,
    ) -> Result<(), String> {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return Ok(());
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if !path.is_dir() {
                continue;
            }
            let bench = path.join("benchmark.json");
            if path.file_name().is_some_and(|n| n == "new") && bench.is_file() {
                let fresh = since.is_none_or(|t| {
                    std::fs::metadata(&bench)
                        .and_then(|m| m.modified())
                        .is_ok_and(|m| m >= t)
                });
                if fresh {
                    let read = |p: &Path| {
                        std::fs::read_to_string(p)
                            .map_err(|e| format!("cannot read {}: {e}", p.display()))
                    };
                    let id =
                        full_id(&read(&bench)?).map_err(|e| format!("{}: {e}", bench.display()))?;
                    let estimates = path.join("estimates.json");
                    let ns = mean_ns(&read(&estimates)?)
                        .map_err(|e| format!("{}: {e}", estimates.display()))?;
                    out.insert(id, ns);
                }
            } else {
                walk(&path, since, out)?;
            }
        }
        Ok(())
    }
    let mut out = BTreeMap::new();
    walk(dir, since, &mut out)?;
    Ok(out)
}

/// The `full_id` of a criterion `benchmark.json` (`router/1KB/serde`).
fn full_id(benchmark_json: &str) -> Result<String, String> {
    let v: Value = serde_json::from_str(benchmark_json).map_err(|e| format!("not JSON: {e}"))?;
    v["full_id"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| "no `full_id`".to_owned())
}

/// `mean.point_estimate` of a criterion `estimates.json`, in ns.
fn mean_ns(estimates_json: &str) -> Result<f64, String> {
    let v: Value = serde_json::from_str(estimates_json).map_err(|e| format!("not JSON: {e}"))?;
    v["mean"]["point_estimate"]
        .as_f64()
        .ok_or_else(|| "no `mean.point_estimate`".to_owned())
}

fn webhook(ctx: &Ctx) -> Result<Webhook, String> {
    let json = ctx.scratch.join("webhook.json");
    let _ = std::fs::remove_file(&json);
    cargo_bench(ctx, "webhook", &[("BENCH_JSON", &json)], &[])?;
    let text = std::fs::read_to_string(&json)
        .map_err(|e| format!("the bench wrote no {}: {e}", json.display()))?;
    parse_webhook(&text)
}

fn parse_webhook(text: &str) -> Result<Webhook, String> {
    let v: Value =
        serde_json::from_str(text).map_err(|e| format!("the webhook JSON is not JSON: {e}"))?;
    let scenarios = v["scenarios"]
        .as_array()
        .ok_or("the webhook JSON has no `scenarios` list")?
        .iter()
        .map(|s| {
            let f = |k: &str| s[k].as_f64().unwrap_or(f64::NAN);
            let n = |k: &str| s[k].as_u64().unwrap_or(0);
            Ok(Scenario {
                name: s["name"]
                    .as_str()
                    .ok_or("a webhook scenario has no `name`")?
                    .to_owned(),
                requests: n("requests"),
                events: n("events"),
                seconds: f("seconds"),
                events_per_s: f("events_per_s"),
                requests_per_s: f("requests_per_s"),
                p50_us: f("p50_us"),
                p99_us: f("p99_us"),
                errors: n("errors"),
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok(Webhook {
        scenarios,
        ratio_single_to_bare: v["ratio_single_to_bare"].as_f64(),
        ratio_batch_to_bare: v["ratio_batch_to_bare"].as_f64(),
        verification_share: v["verification_share"].as_f64(),
        verification_method: v["verification_method"].as_str().unwrap_or("").to_owned(),
    })
}

// ---------------------------------------------------------------------------------------------
// The machine.
// ---------------------------------------------------------------------------------------------

fn machine() -> Machine {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let (cpu, cores) = parse_cpuinfo(&cpuinfo);
    let rustc = Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned()))
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|| "unknown".to_owned());
    let days = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs() / 86_400)
        .unwrap_or(0);
    Machine {
        cpu,
        cores: if cores > 0 {
            cores
        } else {
            std::thread::available_parallelism().map_or(0, |n| n.get())
        },
        memory_kib: parse_meminfo(&meminfo),
        rustc,
        node: node_version(),
        date: civil_date(days),
    }
}

/// The first `model name` and the number of `processor` entries.
fn parse_cpuinfo(text: &str) -> (String, usize) {
    let field = |l: &str, name: &str| {
        l.split_once(':')
            .filter(|(k, _)| k.trim() == name)
            .map(|(_, v)| v.trim().to_owned())
    };
    let model = text
        .lines()
        .find_map(|l| field(l, "model name"))
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let cores = text
        .lines()
        .filter(|l| field(l, "processor").is_some())
        .count();
    (model, cores)
}

fn parse_meminfo(text: &str) -> Option<u64> {
    text.lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// `YYYY-MM-DD` of a day counted from 1970-01-01 (proleptic Gregorian calendar).
fn civil_date(days: u64) -> String {
    // Howard Hinnant's `civil_from_days`, for days on or after the epoch.
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + u64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

// ---------------------------------------------------------------------------------------------
// Verdicts.
// ---------------------------------------------------------------------------------------------

/// The phases of a run and their share of the total, largest first.
fn phases(t: &Timings) -> Vec<(&'static str, f64)> {
    let mut p = vec![
        ("load", t.load_ms),
        ("types", t.types_ms),
        ("lower", t.lower_ms),
        ("emit+print", t.emit_print_ms),
        ("write", t.write_ms),
    ];
    p.sort_by(|a, b| b.1.total_cmp(&a.1));
    p
}

fn slowest_phase(t: &Timings) -> String {
    match phases(t).first() {
        Some((name, ms)) if t.total_ms > 0.0 => {
            format!("slowest phase: {name} ({:.0}%)", 100.0 * ms / t.total_ms)
        }
        _ => String::new(),
    }
}

fn peak_bytes(t: &Timings) -> Option<f64> {
    t.peak_kib.map(|k| k as f64 * 1024.0)
}

fn gen_row(report: &Report, pick: impl Fn(&GenEntry) -> bool) -> Result<&GenRow, String> {
    let g = report.generator.as_ref().map_err(Clone::clone)?;
    let e = g
        .entries
        .iter()
        .find(|e| pick(e))
        .ok_or_else(|| "not in this run".to_owned())?;
    e.outcome.as_ref().map_err(Clone::clone)
}

fn synthetic(report: &Report, n: usize) -> Result<&GenRow, String> {
    gen_row(report, |e| e.channels == Some(n)).map_err(|e| {
        if e == "not in this run" && n == 10_000 && report.quick {
            "skipped (--quick)".to_owned()
        } else {
            e
        }
    })
}

fn verdict(report: &Report, row: Row) -> Verdict {
    let result = match row {
        Row::Seed => gen_row(report, |e| e.label == "seed catalogue").map(|g| time_verdict(g, 5.0)),
        Row::Adobe => gen_row(report, |e| e.label == "Adobe spec").map(|g| time_verdict(g, 10.0)),
        Row::Synthetic1k => synthetic(report, 1000).map(verdict_1k),
        Row::Synthetic10k => synthetic(report, 10_000)
            .and_then(|big| synthetic(report, 1000).map(|small| verdict_10k(small, big))),
        Row::CodeSize => report.code.clone().map(|c| {
            let total = c.total();
            let largest = c.files.iter().max_by_key(|(_, b)| *b);
            Verdict {
                measured: format!("{:.2} MB ({} files)", total as f64 / MB, c.files.len()),
                status: at_most(total as f64, 1.2 * MB),
                note: String::new(),
                auto: largest.map_or(String::new(), |(name, b)| {
                    format!(
                        "largest file: `{name}` ({:.0}%)",
                        100.0 * *b as f64 / total.max(1) as f64
                    )
                }),
            }
        }),
        Row::Build => report.code.clone().map(|c| Verdict {
            measured: format!(
                "{:.2} s ({:.2} s without the `json-schema` feature)",
                c.build_s, c.lean_s
            ),
            status: at_most(c.build_s, 8.0),
            note: String::new(),
            auto: format!(
                "rustc on the generated code: {} an empty crate with the same runtime ({:.2} s)",
                fmt_ratio(c.build_s / c.baseline_s),
                c.baseline_s
            ),
        }),
        Row::Decode => report.router.clone().and_then(|r| {
            match (
                r.decode.get("decode/generated"),
                r.decode.get("decode/handwritten"),
            ) {
                (Some(g), Some(h)) => Ok(Verdict {
                    measured: fmt_ratio(g / h),
                    status: at_most(g / h, 1.2),
                    note: String::new(),
                    auto: format!("{} generated vs {} hand-written", fmt_ns(*g), fmt_ns(*h)),
                }),
                _ => {
                    Err("no bench provides `decode/generated` and `decode/handwritten`".to_owned())
                }
            }
        }),
        Row::RouterAddress => report
            .router
            .clone()
            .and_then(|r| route_verdict(&r, "by-address", 1.1)),
        Row::RouterOneUrl => report
            .router
            .clone()
            .and_then(|r| route_verdict(&r, "one-url", 1.1)),
        Row::Webhook => report.webhook.clone().and_then(|w| webhook_verdict(&w)),
    };
    result.unwrap_or_else(|e| Verdict::not_measured(&e))
}

fn time_verdict(g: &GenRow, limit_ms: f64) -> Verdict {
    Verdict {
        measured: fmt_ms(g.median.total_ms),
        status: at_most(g.median.total_ms, limit_ms),
        note: String::new(),
        auto: slowest_phase(&g.median),
    }
}

fn verdict_1k(g: &GenRow) -> Verdict {
    let t = g.median.total_ms;
    let peak = peak_bytes(&g.median);
    let mut statuses = vec![at_most(t, 300.0)];
    if let Some(p) = peak {
        statuses.push(at_most(p, 120.0 * MB));
    } else {
        statuses.push(Status::NotMet);
    }
    Verdict {
        measured: format!(
            "{}, {} peak",
            fmt_ms(t),
            peak.map_or("unknown".to_owned(), fmt_mb)
        ),
        status: all_met(&statuses),
        note: if t <= 150.0 {
            " (stretch met)".to_owned()
        } else {
            " (stretch not met)".to_owned()
        },
        auto: format!(
            "{}; peak {} the input",
            slowest_phase(&g.median),
            peak.map_or("?".to_owned(), |p| fmt_ratio(p / g.bytes as f64))
        ),
    }
}

/// Time and peak of the 10,000-channel run against the 1,000-channel one.
fn verdict_10k(small: &GenRow, big: &GenRow) -> Verdict {
    let ratio = big.median.total_ms / small.median.total_ms;
    let limit = peak_limit_10k(big.bytes);
    let peak = peak_bytes(&big.median);
    let statuses = [
        at_most(ratio, 11.0),
        peak.map_or(Status::NotMet, |p| at_most(p, limit)),
    ];
    Verdict {
        measured: format!(
            "{} the 1,000 case ({}); {} peak (limit {})",
            fmt_ratio(ratio),
            fmt_ms(big.median.total_ms),
            peak.map_or("unknown".to_owned(), fmt_mb),
            fmt_mb(limit)
        ),
        status: all_met(&statuses),
        note: String::new(),
        auto: format!(
            "input {} larger; {}",
            fmt_ratio(big.bytes as f64 / small.bytes as f64),
            slowest_phase(&big.median)
        ),
    }
}

/// Each size's `route` mean over its `serde` mean.
fn route_ratios(r: &Router, route: &str) -> Vec<(String, f64, f64, f64)> {
    let mut out = Vec::new();
    for (id, ns) in &r.ns {
        if let Some((size, name)) = id.rsplit_once('/')
            && name == route
            && let Some(base) = r.ns.get(&format!("{size}/serde"))
        {
            out.push((size.to_owned(), *ns, *base, ns / base));
        }
    }
    out.sort_by_key(|(size, ..)| size_order(size));
    out
}

/// `1KB` before `64KB`: by the number, then the text.
fn size_order(size: &str) -> (u64, String) {
    let digits: String = size.chars().take_while(char::is_ascii_digit).collect();
    let unit = match size[digits.len()..].to_ascii_uppercase().as_str() {
        "KB" | "K" => 1 << 10,
        "MB" | "M" => 1 << 20,
        _ => 1,
    };
    (
        digits
            .parse::<u64>()
            .unwrap_or(u64::MAX)
            .saturating_mul(unit),
        size.to_owned(),
    )
}

fn route_verdict(r: &Router, route: &str, limit: f64) -> Result<Verdict, String> {
    let ratios = route_ratios(r, route);
    let worst = ratios
        .iter()
        .map(|(.., ratio)| *ratio)
        .max_by(f64::total_cmp)
        .ok_or_else(|| format!("no `<size>/{route}` with a `<size>/serde` baseline"))?;
    Ok(Verdict {
        measured: ratios
            .iter()
            .map(|(size, .., ratio)| format!("{} ({size})", fmt_ratio(*ratio)))
            .collect::<Vec<_>>()
            .join(", "),
        status: at_most(worst, limit),
        note: String::new(),
        auto: ratios
            .iter()
            .map(|(size, ns, base, _)| format!("{size}: {} over serde", fmt_delta_ns(ns - base)))
            .collect::<Vec<_>>()
            .join("; "),
    })
}

fn webhook_verdict(w: &Webhook) -> Result<Verdict, String> {
    let single = w
        .ratio_single_to_bare
        .ok_or("the webhook bench gave no `ratio_single_to_bare`")?;
    let worst = w.ratio_batch_to_bare.map_or(single, |b| b.min(single));
    let mut measured = format!("{} single", fmt_ratio(single));
    if let Some(b) = w.ratio_batch_to_bare {
        let _ = write!(measured, ", {} batch", fmt_ratio(b));
    }
    Ok(Verdict {
        measured,
        status: at_least(worst, 0.7),
        note: String::new(),
        auto: w.verification_share.map_or(String::new(), |s| {
            format!(
                "signature verification: {:.0}% of the time (see Webhook)",
                100.0 * s
            )
        }),
    })
}

fn verdicts(report: &Report) -> Vec<(&'static RowSpec, Verdict)> {
    ROWS.iter()
        .map(|spec| (spec, verdict(report, spec.row)))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Rendering.
// ---------------------------------------------------------------------------------------------

fn fmt_ms(ms: f64) -> String {
    if ms >= 1000.0 {
        format!("{:.2} s", ms / 1000.0)
    } else if ms >= 100.0 {
        format!("{ms:.0} ms")
    } else if ms >= 10.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{ms:.2} ms")
    }
}

fn fmt_ns(ns: f64) -> String {
    if ns.abs() >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns.abs() >= 1e3 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}

/// A difference in ns, with its sign.
fn fmt_delta_ns(ns: f64) -> String {
    format!("{}{}", if ns < 0.0 { "-" } else { "+" }, fmt_ns(ns.abs()))
}

fn fmt_mb(bytes: f64) -> String {
    if bytes >= 100.0 * MB {
        format!("{:.0} MB", bytes / MB)
    } else if bytes >= 10.0 * MB {
        format!("{:.1} MB", bytes / MB)
    } else if bytes >= MB {
        format!("{:.2} MB", bytes / MB)
    } else {
        format!("{:.1} KB", bytes / 1e3)
    }
}

fn fmt_ratio(r: f64) -> String {
    if r.is_finite() && r >= 100.0 {
        format!("{r:.0}x")
    } else if r.is_finite() && r >= 10.0 {
        format!("{r:.1}x")
    } else {
        format!("{r:.2}x")
    }
}

fn fmt_duration(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s >= 60.0 {
        format!("{} min {:02} s", d.as_secs() / 60, d.as_secs() % 60)
    } else {
        format!("{s:.1} s")
    }
}

fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A table cell: no line breaks or pipes.
fn cell(s: &str) -> String {
    s.replace('\n', " ").replace('|', "\\|")
}

/// A Markdown table, the columns after the first right-aligned (numbers).
fn table(out: &mut String, header: &[&str], rows: &[Vec<String>]) {
    aligned_table(out, header, rows, "---:");
}

/// A Markdown table of text: every column left-aligned.
fn text_table(out: &mut String, header: &[&str], rows: &[Vec<String>]) {
    aligned_table(out, header, rows, "---");
}

fn aligned_table(out: &mut String, header: &[&str], rows: &[Vec<String>], rest: &str) {
    let _ = writeln!(out, "| {} |", header.join(" | "));
    let _ = writeln!(
        out,
        "|{}|",
        header
            .iter()
            .enumerate()
            .map(|(i, _)| if i == 0 { "---" } else { rest })
            .collect::<Vec<_>>()
            .join("|")
    );
    for r in rows {
        let _ = writeln!(
            out,
            "| {} |",
            r.iter().map(|c| cell(c)).collect::<Vec<_>>().join(" | ")
        );
    }
    out.push('\n');
}

fn limit_text(spec: &RowSpec, v: &Verdict) -> String {
    if v.status == Status::NotMeasured {
        return String::new();
    }
    spec.limit.replace("{auto}", &v.auto)
}

fn summary_table(report: &Report) -> String {
    let rows: Vec<Vec<String>> = verdicts(report)
        .into_iter()
        .map(|(spec, v)| {
            vec![
                spec.figure.to_owned(),
                v.measured.clone(),
                spec.target.to_owned(),
                format!("{}{}", v.status.label(), v.note),
                limit_text(spec, &v),
            ]
        })
        .collect();
    let mut out = String::new();
    text_table(
        &mut out,
        &["figure", "measured", "target", "status", "what limits it"],
        &rows,
    );
    out
}

fn not_measured(out: &mut String, reason: &str) {
    let _ = writeln!(out, "Not measured: {}.\n", reason.trim_end_matches('.'));
}

fn render(report: &Report) -> String {
    let mut out = String::new();
    let m = &report.machine;
    out.push_str("# Performance\n\n");
    out.push_str(
        "<!-- Written by `cargo xtask bench` (xtask/src/bench.rs); run it again rather than editing. -->\n\n",
    );
    let memory = m.memory_kib.map_or("unknown".to_owned(), |k| {
        format!("{:.1} GiB", k as f64 / 1048576.0)
    });
    text_table(
        &mut out,
        &["machine", ""],
        &[
            vec!["CPU".into(), format!("{} ({} cores)", m.cpu, m.cores)],
            vec!["memory".into(), memory],
            vec!["rustc".into(), m.rustc.clone()],
            vec![
                "node".into(),
                m.node.clone().unwrap_or_else(|| "not installed".to_owned()),
            ],
            vec!["date".into(), format!("{} (UTC)", m.date)],
            vec!["command".into(), format!("`{}`", report.command)],
            vec!["run time".into(), fmt_duration(report.elapsed)],
        ],
    );
    out.push_str(
        "The machine is shared and noisy: each speed is also given as a ratio to a baseline \
         measured in the same run. Times are medians of several runs unless said otherwise; \
         MB are 10^6 bytes, KB 10^3.\n\n",
    );
    out.push_str("## Summary\n\n");
    out.push_str(&summary_table(report));
    render_generator(&mut out, report);
    render_modelina(&mut out, report);
    render_code(&mut out, report);
    render_router(&mut out, report);
    render_webhook(&mut out, report);
    out
}

fn render_generator(out: &mut String, report: &Report) {
    out.push_str("## Generator\n\n");
    out.push_str(
        "`target/release/asyncapi-gen generate DOC --out DIR --timings --max-size 1G` into an \
         empty folder, each phase as the binary reports it (`timings-json:`, wall clock), the \
         process as measured from outside, and the peak resident memory (VmHWM). `total` is \
         the binary's own figure (load to last file written), which the targets use.\n\n",
    );
    let g = match &report.generator {
        Ok(g) => g,
        Err(e) => return not_measured(out, e),
    };
    let reference = g.reference_ms;
    let mut rows = Vec::new();
    let mut cpu_rows = Vec::new();
    for e in &g.entries {
        match &e.outcome {
            Ok(r) => {
                let t = &r.median;
                let peak = peak_bytes(t);
                rows.push(vec![
                    e.label.clone(),
                    fmt_mb(r.bytes as f64),
                    r.runs.to_string(),
                    fmt_ms(t.total_ms),
                    fmt_ms(t.load_ms),
                    fmt_ms(t.types_ms),
                    fmt_ms(t.lower_ms),
                    fmt_ms(t.emit_print_ms),
                    fmt_ms(t.write_ms),
                    fmt_ms(r.wall_ms),
                    peak.map_or("?".into(), fmt_mb),
                    peak.map_or("?".into(), |p| fmt_ratio(p / r.bytes as f64)),
                    reference.map_or("?".into(), |ref_ms| fmt_ratio(t.total_ms / ref_ms)),
                ]);
                cpu_rows.push(vec![
                    e.label.clone(),
                    fmt_ms(t.emit_print_ms),
                    fmt_ms(t.emit_cpu_ms),
                    fmt_ms(t.print_cpu_ms),
                    if t.emit_print_ms > 0.0 {
                        format!("{:.2}", (t.emit_cpu_ms + t.print_cpu_ms) / t.emit_print_ms)
                    } else {
                        "?".into()
                    },
                    slowest_phase(t),
                ]);
            }
            Err(reason) => {
                let mut row = vec![e.label.clone(), format!("not measured: {reason}")];
                row.resize(13, String::new());
                rows.push(row);
            }
        }
    }
    table(
        out,
        &[
            "document",
            "input",
            "runs",
            "total",
            "load",
            "types",
            "lower",
            "emit+print",
            "write",
            "process",
            "peak",
            "peak / input",
            "total / ref",
        ],
        &rows,
    );
    match reference {
        Some(r) => {
            let _ = writeln!(
                out,
                "`ref`: the release `synthetic` example writing the 1,000-channel document, \
                 {} in this run (a fixed amount of single-core work).\n",
                fmt_ms(r)
            );
        }
        None => out.push_str("`ref`: not measured.\n\n"),
    }
    out.push_str("Emit and print run on every core; CPU time summed over the cores:\n\n");
    table(
        out,
        &[
            "document",
            "emit+print wall",
            "emit CPU",
            "print CPU",
            "cores busy",
            "slowest phase",
        ],
        &cpu_rows,
    );
    out.push_str("### Scaling from 1,000 to 10,000 channels\n\n");
    match (synthetic(report, 1000), synthetic(report, 10_000)) {
        (Ok(small), Ok(big)) => {
            let limit = peak_limit_10k(big.bytes);
            let peak = peak_bytes(&big.median);
            table(
                out,
                &["figure", "1,000", "10,000", "ratio", "target"],
                &[
                    vec![
                        "input".into(),
                        fmt_mb(small.bytes as f64),
                        fmt_mb(big.bytes as f64),
                        fmt_ratio(big.bytes as f64 / small.bytes as f64),
                        String::new(),
                    ],
                    vec![
                        "total".into(),
                        fmt_ms(small.median.total_ms),
                        fmt_ms(big.median.total_ms),
                        fmt_ratio(big.median.total_ms / small.median.total_ms),
                        "<= 11x".into(),
                    ],
                    vec![
                        "peak".into(),
                        peak_bytes(&small.median).map_or("?".into(), fmt_mb),
                        peak.map_or("?".into(), fmt_mb),
                        match (peak, peak_bytes(&small.median)) {
                            (Some(b), Some(s)) => fmt_ratio(b / s),
                            _ => "?".into(),
                        },
                        format!("<= {} (20x input + 20 MB)", fmt_mb(limit)),
                    ],
                ],
            );
        }
        (Err(e), _) | (_, Err(e)) => not_measured(out, &e),
    }
}

fn render_modelina(out: &mut String, report: &Report) {
    out.push_str("## Modelina 5\n\n");
    out.push_str(
        "`xtask/modelina/run.mjs` (pinned in `xtask/modelina/package.json`): `@asyncapi/parser` \
         3 parses the document, Modelina's `RustFileGenerator` writes a crate of models, once \
         per document, killed after 180 s. `Modelina` is its own time from reading the \
         document to the last file written (node's start-up and module loading excluded, in \
         `process`); the ratio is over asyncapi-gen's `total` in this run.\n\n",
    );
    let entries = match &report.modelina {
        Ok(e) => e,
        Err(e) => return not_measured(out, e),
    };
    let ours = |label: &str| -> Option<f64> {
        report
            .generator
            .as_ref()
            .ok()?
            .entries
            .iter()
            .find(|e| e.label == label)?
            .outcome
            .as_ref()
            .ok()
            .map(|r| r.median.total_ms)
    };
    let rows: Vec<Vec<String>> = entries
        .iter()
        .map(|e| {
            let our = ours(&e.label);
            let our_text = our.map_or("?".into(), fmt_ms);
            match &e.outcome {
                ModelinaOutcome::Done {
                    ms,
                    peak_kib,
                    wall_ms,
                    models,
                } => vec![
                    e.label.clone(),
                    our_text,
                    fmt_ms(*ms),
                    fmt_ms(*wall_ms),
                    our.map_or("?".into(), |o| fmt_ratio(ms / o)),
                    fmt_mb(*peak_kib as f64 * 1024.0),
                    models.to_string(),
                ],
                other => {
                    let what = match other {
                        ModelinaOutcome::TimedOut(d) => {
                            format!("timed out (killed after {})", fmt_duration(*d))
                        }
                        ModelinaOutcome::Failed(m) => format!("failed: {m}"),
                        ModelinaOutcome::Skipped(m) => m.clone(),
                        ModelinaOutcome::Done { .. } => String::new(),
                    };
                    vec![
                        e.label.clone(),
                        our_text,
                        what,
                        String::new(),
                        String::new(),
                        String::new(),
                        String::new(),
                    ]
                }
            }
        })
        .collect();
    table(
        out,
        &[
            "document",
            "asyncapi-gen",
            "Modelina",
            "process",
            "Modelina / ours",
            "Modelina peak",
            "models",
        ],
        &rows,
    );
}

fn render_code(out: &mut String, report: &Report) {
    out.push_str("## Generated code\n\n");
    out.push_str(
        "The crate generated from the synthetic 100-channel document, in a scratch workspace \
         (`target/bench/gen100/`, its own target folder). The build is a debug `cargo build` \
         after `touch src/lib.rs` (dependencies built before, untimed); the baseline is an \
         empty crate depending on the same runtime, built the same way.\n\n",
    );
    let c = match &report.code {
        Ok(c) => c,
        Err(e) => return not_measured(out, e),
    };
    let total = c.total();
    let mut rows: Vec<Vec<String>> = c
        .files
        .iter()
        .map(|(name, b)| {
            vec![
                format!("`src/{name}`"),
                thousands(*b),
                format!("{:.1}%", 100.0 * *b as f64 / total.max(1) as f64),
            ]
        })
        .collect();
    rows.push(vec!["total".into(), thousands(total), "100%".into()]);
    table(out, &["file", "bytes", "share"], &rows);
    table(
        out,
        &["build", "time", "/ baseline"],
        &[
            vec![
                format!("generated crate, after a touch (median of {})", c.runs),
                format!("{:.2} s", c.build_s),
                fmt_ratio(c.build_s / c.baseline_s),
            ],
            vec![
                "the same, `--no-default-features` (no `json-schema`)".into(),
                format!("{:.2} s", c.lean_s),
                fmt_ratio(c.lean_s / c.baseline_s),
            ],
            vec![
                "empty crate (baseline), after a touch".into(),
                format!("{:.2} s", c.baseline_s),
                "1.00x".into(),
            ],
            vec![
                "first build in this run (dependencies included unless built before)".into(),
                format!("{:.1} s", c.first_build_s),
                String::new(),
            ],
        ],
    );
}

fn render_router(out: &mut String, report: &Report) {
    out.push_str("## Router\n\n");
    out.push_str(
        "`cargo bench -p adobe-io-events-tests --bench router` (criterion, group `router`, \
         mean of each benchmark): dispatching an Adobe event through the generated router, \
         against `serde_json::from_slice` of the same payload into its type (`serde`).\n\n",
    );
    let r = match &report.router {
        Ok(r) => r,
        Err(e) => return not_measured(out, e),
    };
    let mut sizes: Vec<&str> =
        r.ns.keys()
            .filter_map(|id| id.rsplit_once('/').map(|(s, _)| s))
            .collect();
    sizes.sort_by_key(|s| size_order(s));
    sizes.dedup();
    let mut rows = Vec::new();
    for size in &sizes {
        let base = r.ns.get(&format!("{size}/serde"));
        // The baseline first, then the routes by name.
        let mut ids: Vec<(&String, &f64)> = r.ns.iter().collect();
        ids.sort_by_key(|(id, _)| (!id.ends_with("/serde"), id.as_str()));
        for (id, ns) in ids {
            let Some((s, route)) = id.rsplit_once('/') else {
                continue;
            };
            if s != *size || route == "fallback" {
                continue;
            }
            rows.push(vec![
                (*size).to_owned(),
                format!("`{route}`"),
                fmt_ns(*ns),
                base.map_or("?".into(), |b| fmt_ratio(ns / b)),
            ]);
        }
    }
    table(out, &["payload", "route", "mean", "/ serde"], &rows);
    let fallback: Vec<Vec<String>> = sizes
        .iter()
        .filter_map(|size| {
            let ns = r.ns.get(&format!("{size}/fallback"))?;
            let base = r.ns.get(&format!("{size}/serde"));
            Some(vec![
                (*size).to_owned(),
                fmt_ns(*ns),
                base.map_or("?".into(), |b| fmt_ratio(ns / b)),
            ])
        })
        .collect();
    out.push_str("The fallback route (no target):\n\n");
    if fallback.is_empty() {
        not_measured(out, "no `<size>/fallback` benchmark");
    } else {
        table(out, &["payload", "mean", "/ serde"], &fallback);
    }
    out.push_str("### Decoding `DatasetIngestionPayload`\n\n");
    match (
        r.decode.get("decode/generated"),
        r.decode.get("decode/handwritten"),
    ) {
        (Some(g), Some(h)) => table(
            out,
            &["type", "mean", "/ hand-written"],
            &[
                vec!["hand-written struct".into(), fmt_ns(*h), "1.00x".into()],
                vec!["generated".into(), fmt_ns(*g), fmt_ratio(g / h)],
            ],
        ),
        _ => not_measured(
            out,
            "no bench provides `decode/generated` and `decode/handwritten`",
        ),
    }
}

fn render_webhook(out: &mut String, report: &Report) {
    out.push_str("## Webhook\n\n");
    out.push_str(
        "`cargo bench -p adobe-io-events-tests --bench webhook` (`BENCH_JSON`): events posted \
         to the webhook receiver with signature verification on (`single`: one event a \
         request, `batch`: several), against a bare axum handler (`bare`).\n\n",
    );
    let w = match &report.webhook {
        Ok(w) => w,
        Err(e) => return not_measured(out, e),
    };
    let bare = w
        .scenarios
        .iter()
        .find(|s| s.name == "bare")
        .map(|s| s.events_per_s);
    let rows: Vec<Vec<String>> = w
        .scenarios
        .iter()
        .map(|s| {
            vec![
                format!("`{}`", s.name),
                thousands(s.requests),
                thousands(s.events),
                format!("{:.2}", s.seconds),
                format!("{:.0}", s.events_per_s),
                format!("{:.0}", s.requests_per_s),
                format!("{:.0}", s.p50_us),
                format!("{:.0}", s.p99_us),
                s.errors.to_string(),
                bare.map_or("?".into(), |b| fmt_ratio(s.events_per_s / b)),
            ]
        })
        .collect();
    table(
        out,
        &[
            "scenario",
            "requests",
            "events",
            "seconds",
            "events/s",
            "requests/s",
            "p50 µs",
            "p99 µs",
            "errors",
            "events/s / bare",
        ],
        &rows,
    );
    let opt = |v: Option<f64>| v.map_or("?".to_owned(), fmt_ratio);
    text_table(
        out,
        &["figure", "value"],
        &[
            vec![
                "single / bare (bench's own)".into(),
                opt(w.ratio_single_to_bare),
            ],
            vec![
                "batch / bare (bench's own)".into(),
                opt(w.ratio_batch_to_bare),
            ],
            vec![
                "verification share of the time".into(),
                w.verification_share
                    .map_or("?".into(), |s| format!("{:.1}%", 100.0 * s)),
            ],
            vec![
                "verification method".into(),
                if w.verification_method.is_empty() {
                    "?".into()
                } else {
                    w.verification_method.clone()
                },
            ],
        ],
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINE: &str = r#"timings: load 2.1ms, generate 14.9ms
timings-json: {"load_ms":2.062,"types_ms":1.108,"lower_ms":0.169,"emit_print_ms":13.576,"emit_cpu_ms":2.122,"print_cpu_ms":4.001,"write_ms":0.623,"total_ms":17.584,"peak_kib":8692}
generated target/bench/t (11 files, 11 changed) in 17.7ms
"#;

    fn timings(total_ms: f64, peak_kib: Option<u64>) -> Timings {
        Timings {
            load_ms: total_ms * 0.2,
            types_ms: total_ms * 0.1,
            lower_ms: total_ms * 0.05,
            emit_print_ms: total_ms * 0.6,
            emit_cpu_ms: total_ms,
            print_cpu_ms: total_ms,
            write_ms: total_ms * 0.05,
            total_ms,
            peak_kib,
        }
    }

    fn row(bytes: u64, total_ms: f64, peak_kib: Option<u64>) -> GenRow {
        GenRow {
            bytes,
            runs: 3,
            median: timings(total_ms, peak_kib),
            wall_ms: total_ms + 1.0,
        }
    }

    fn report() -> Report {
        let entry = |label: &str, channels, outcome| GenEntry {
            label: label.to_owned(),
            channels,
            outcome,
        };
        Report {
            machine: Machine {
                cpu: "Test CPU".into(),
                cores: 2,
                memory_kib: Some(24 * 1048576),
                rustc: "rustc 1.95.0".into(),
                node: None,
                date: "2026-01-02".into(),
            },
            command: "cargo xtask bench".into(),
            quick: false,
            elapsed: Duration::from_secs(75),
            generator: Ok(Generator {
                entries: vec![
                    entry("seed catalogue", None, Err("absent (../shared)".into())),
                    entry("Adobe spec", None, Ok(row(89_000, 7.5, Some(9000)))),
                    entry(
                        "synthetic 1,000",
                        Some(1000),
                        Ok(row(4_700_000, 200.0, Some(80_000))),
                    ),
                    entry(
                        "synthetic 10,000",
                        Some(10_000),
                        Ok(row(48_000_000, 2_400.0, Some(600_000))),
                    ),
                ],
                reference_ms: Some(20.0),
            }),
            modelina: Err("`node` and `npm` are not both installed".into()),
            code: Ok(Code {
                files: vec![("lib.rs".into(), 1000), ("messages.rs".into(), 900_000)],
                first_build_s: 60.0,
                runs: 3,
                build_s: 6.0,
                lean_s: 0.4,
                baseline_s: 0.5,
            }),
            router: Ok(Router {
                ns: [
                    ("1KB/serde", 1000.0),
                    ("1KB/by-address", 1050.0),
                    ("1KB/one-url", 1200.0),
                    ("1KB/fallback", 3000.0),
                    ("64KB/serde", 50_000.0),
                    ("64KB/by-address", 50_500.0),
                    ("64KB/one-url", 51_000.0),
                ]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect(),
                decode: BTreeMap::new(),
            }),
            webhook: Err("no bench `webhook` in adobe-io-events-tests".into()),
        }
    }

    #[test]
    fn the_timings_line_is_read() {
        let t = parse_timings(LINE).expect("parses");
        assert_eq!(t.load_ms, 2.062);
        assert_eq!(t.emit_print_ms, 13.576);
        assert_eq!(t.total_ms, 17.584);
        assert_eq!(t.peak_kib, Some(8692));
        let null_peak = LINE.replace("8692", "null");
        assert_eq!(parse_timings(&null_peak).expect("parses").peak_kib, None);
        assert!(
            parse_timings("generated x")
                .unwrap_err()
                .contains("no `timings-json:` line")
        );
        let missing = LINE.replace("\"write_ms\":0.623,", "");
        assert!(parse_timings(&missing).unwrap_err().contains("`write_ms`"));
        assert!(
            parse_timings("timings-json: {oops")
                .unwrap_err()
                .contains("not JSON")
        );
    }

    #[test]
    fn medians() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), Some(2.5));
        let m = median_timings(&[
            timings(10.0, Some(5)),
            timings(30.0, None),
            timings(20.0, Some(7)),
        ])
        .expect("some");
        assert_eq!(m.total_ms, 20.0);
        assert_eq!(m.peak_kib, Some(6));
    }

    #[test]
    fn criterion_files_are_read() {
        let estimates = r#"{"mean":{"confidence_interval":{"confidence_level":0.95,"lower_bound":1.0,"upper_bound":2.0},"point_estimate":1234.5,"standard_error":0.1},"median":{"point_estimate":1200.0}}"#;
        assert_eq!(mean_ns(estimates), Ok(1234.5));
        assert!(
            mean_ns(r#"{"median":{}}"#)
                .unwrap_err()
                .contains("mean.point_estimate")
        );
        assert!(mean_ns("nope").unwrap_err().contains("not JSON"));
        let benchmark = r#"{"group_id":"router","function_id":"1KB","value_str":"serde","throughput":null,"full_id":"router/1KB/serde","directory_name":"router/1KB/serde","title":"router/1KB/serde"}"#;
        assert_eq!(full_id(benchmark).as_deref(), Ok("router/1KB/serde"));

        // On disk: `1KB/serde` as one function id (the slash made `_`) or as id and value.
        let dir = tempfile::tempdir().expect("tempdir");
        let put = |sub: &str, id: &str, ns: f64| {
            let d = dir.path().join(sub).join("new");
            std::fs::create_dir_all(&d).expect("mkdir");
            std::fs::write(d.join("benchmark.json"), format!(r#"{{"full_id":"{id}"}}"#))
                .expect("write");
            std::fs::write(
                d.join("estimates.json"),
                format!(r#"{{"mean":{{"point_estimate":{ns}}}}}"#),
            )
            .expect("write");
            // criterion keeps the previous run in `base`, which is not read.
            let b = dir.path().join(sub).join("base");
            std::fs::create_dir_all(&b).expect("mkdir");
            std::fs::write(b.join("benchmark.json"), r#"{"full_id":"old"}"#).expect("write");
        };
        put("router/1KB_serde", "router/1KB/serde", 10.0);
        put("router/64KB/by-address", "router/64KB/by-address", 20.0);
        let all = read_criterion(dir.path(), None).expect("reads");
        assert_eq!(
            all.into_iter().collect::<Vec<_>>(),
            vec![
                ("router/1KB/serde".to_owned(), 10.0),
                ("router/64KB/by-address".to_owned(), 20.0)
            ]
        );
        let later = SystemTime::now() + Duration::from_secs(3600);
        assert!(
            read_criterion(dir.path(), Some(later))
                .expect("reads")
                .is_empty()
        );
    }

    #[test]
    fn the_webhook_json_is_read() {
        let text = r#"{"scenarios":[{"name":"bare","requests":100,"events":100,"seconds":1.0,"events_per_s":100.0,"requests_per_s":100.0,"p50_us":50.0,"p99_us":90.0,"errors":0},{"name":"single","requests":80,"events":80,"seconds":1.0,"events_per_s":80.0,"requests_per_s":80.0,"p50_us":60.0,"p99_us":120.0,"errors":0}],"ratio_single_to_bare":0.8,"ratio_batch_to_bare":2.5,"verification_share":0.12,"verification_method":"RSA-SHA256"}"#;
        let w = parse_webhook(text).expect("parses");
        assert_eq!(w.scenarios.len(), 2);
        assert_eq!(w.scenarios[1].name, "single");
        assert_eq!(w.scenarios[1].events_per_s, 80.0);
        let v = webhook_verdict(&w).expect("verdict");
        assert_eq!(v.status, Status::Met);
        assert_eq!(v.measured, "0.80x single, 2.50x batch");
        assert_eq!(
            v.auto,
            "signature verification: 12% of the time (see Webhook)"
        );
        let slow = Webhook {
            ratio_single_to_bare: Some(0.69),
            ..w
        };
        assert_eq!(
            webhook_verdict(&slow).expect("verdict").status,
            Status::NotMet
        );
        assert!(parse_webhook("{}").unwrap_err().contains("scenarios"));
    }

    #[test]
    fn targets_are_judged() {
        assert_eq!(at_most(5.0, 5.0), Status::Met);
        assert_eq!(at_most(5.01, 5.0), Status::NotMet);
        assert_eq!(at_least(0.7, 0.7), Status::Met);
        assert_eq!(at_least(0.69, 0.7), Status::NotMet);
        assert_eq!(peak_limit_10k(48_000_000), 980.0 * MB);

        let r = report();
        let v = |row| verdict(&r, row);
        assert_eq!(v(Row::Seed).status, Status::NotMeasured);
        assert!(v(Row::Seed).measured.contains("absent"));
        let adobe = v(Row::Adobe);
        assert_eq!(
            (adobe.status, adobe.measured.as_str()),
            (Status::Met, "7.50 ms")
        );
        assert_eq!(adobe.auto, "slowest phase: emit+print (60%)");
        let k1 = v(Row::Synthetic1k);
        assert_eq!(k1.status, Status::Met);
        assert_eq!(k1.note, " (stretch not met)");
        assert_eq!(k1.measured, "200 ms, 81.9 MB peak");
        let k10 = v(Row::Synthetic10k);
        assert_eq!(k10.status, Status::NotMet, "12x the time: {k10:?}");
        assert!(k10.measured.starts_with("12.0x the 1,000 case"));
        assert_eq!(v(Row::CodeSize).status, Status::Met);
        assert!(v(Row::CodeSize).auto.contains("`messages.rs` (100%)"));
        assert_eq!(v(Row::Build).status, Status::Met);
        assert_eq!(v(Row::Decode).status, Status::NotMeasured);
        let by_address = v(Row::RouterAddress);
        assert_eq!(by_address.status, Status::Met);
        assert_eq!(by_address.measured, "1.05x (1KB), 1.01x (64KB)");
        let one_url = v(Row::RouterOneUrl);
        assert_eq!(one_url.status, Status::NotMet, "1.2x at 1KB");
        assert_eq!(v(Row::Webhook).status, Status::NotMeasured);

        // A 1,000-channel run over the memory limit fails the row even when fast.
        let heavy = row(4_700_000, 100.0, Some(200_000));
        let heavy = verdict_1k(&heavy);
        assert_eq!(heavy.status, Status::NotMet);
        assert_eq!(heavy.note, " (stretch met)");
    }

    #[test]
    fn options_are_parsed() {
        let args = |a: &[&str]| a.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let o = parse_options(&args(&[
            "--quick",
            "--only",
            "router",
            "--only",
            "generator",
        ]))
        .expect("parses");
        assert!(o.quick);
        assert_eq!(o.only, vec![Part::Generator, Part::Router]);
        assert!(o.runs(Part::Router) && !o.runs(Part::Code));
        let all = parse_options(&args(&["--out", "x.md"])).expect("parses");
        assert!(all.runs(Part::Webhook));
        assert_eq!(all.out, Some(PathBuf::from("x.md")));
        assert!(
            parse_options(&args(&["--only", "gpu"]))
                .unwrap_err()
                .contains("unknown part")
        );
        assert!(parse_options(&args(&["--only"])).is_err());
        assert!(parse_options(&args(&["--fast"])).is_err());
    }

    #[test]
    fn machine_facts_are_read() {
        let cpu = "processor\t: 0\nmodel name\t: AMD EPYC 7B13\nflags\t: x\n\nprocessor\t: 1\nmodel name\t: AMD EPYC 7B13\n";
        assert_eq!(parse_cpuinfo(cpu), ("AMD EPYC 7B13".to_owned(), 2));
        assert_eq!(
            parse_meminfo("MemTotal:       24683788 kB\nMemFree: 1 kB\n"),
            Some(24_683_788)
        );
        assert_eq!(civil_date(0), "1970-01-01");
        assert_eq!(civil_date(19_723), "2024-01-01");
        assert_eq!(civil_date(20_513), "2026-03-01");
    }

    #[test]
    fn numbers_are_formatted() {
        assert_eq!(fmt_ms(3.214), "3.21 ms");
        assert_eq!(fmt_ms(42.0), "42.0 ms");
        assert_eq!(fmt_ms(212.4), "212 ms");
        assert_eq!(fmt_ms(2400.0), "2.40 s");
        assert_eq!(fmt_mb(4_700_000.0), "4.70 MB");
        assert_eq!(fmt_mb(980e6), "980 MB");
        assert_eq!(fmt_mb(89_123.0), "89.1 KB");
        assert_eq!(fmt_ns(1234.0), "1.23 µs");
        assert_eq!(fmt_ratio(1.034), "1.03x");
        assert_eq!(fmt_delta_ns(-15_510.0), "-15.51 µs");
        assert_eq!(fmt_delta_ns(5.0), "+5 ns");
        assert_eq!(thousands(10_000), "10,000");
        assert_eq!(thousands(100), "100");
        assert_eq!(size_order("64KB").0, 64 << 10);
        assert!(size_order("1KB") < size_order("64KB"));
    }

    #[test]
    fn the_report_renders() {
        let text = render(&report());
        assert!(text.starts_with("# Performance\n"));
        assert!(text.contains("| CPU | Test CPU (2 cores) |"));
        assert!(text.contains("| command | `cargo xtask bench` |"));
        assert!(text.contains("| run time | 1 min 15 s |"));
        assert!(text.contains(
            "| `generate` on `specs/adobe-io-events.yaml` | 7.50 ms | <= 10 ms | met | slowest phase: emit+print (60%); load is YAML"
        ));
        assert!(text.contains("| seed catalogue | not measured: absent (../shared) |"));
        assert!(text.contains("| total | 200 ms | 2.40 s | 12.0x | <= 11x |"));
        assert!(text.contains(
            "| 1KB | `serde` | 1.00 µs | 1.00x |\n| 1KB | `by-address` | 1.05 µs | 1.05x |"
        ));
        assert!(text.contains("| 1KB | 3.00 µs | 3.00x |"), "fallback table");
        assert!(text.contains("## Modelina 5\n\n"));
        assert!(text.contains("Not measured: `node` and `npm` are not both installed.\n"));
        assert!(text.contains("| `src/messages.rs` | 900,000 | 99.9% |"));
        // Every section in a fixed order, whatever was measured.
        let order = [
            "## Summary",
            "## Generator",
            "### Scaling",
            "## Modelina 5",
            "## Generated code",
            "## Router",
            "### Decoding",
            "## Webhook",
        ];
        let at: Vec<usize> = order
            .iter()
            .map(|h| text.find(h).unwrap_or_else(|| panic!("{h} missing")))
            .collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]));
        // Tables have as many cells in each row as in their header.
        for block in text.split("\n\n").filter(|b| b.starts_with('|')) {
            let cells: Vec<usize> = block
                .lines()
                .map(|l| l.matches('|').count() - l.matches("\\|").count())
                .collect();
            assert!(cells.windows(2).all(|w| w[0] == w[1]), "{block}");
        }
        // Same report, same text.
        assert_eq!(text, render(&report()));
    }

    #[test]
    fn limit_texts_take_the_derived_default() {
        let spec = RowSpec {
            row: Row::Seed,
            figure: "f",
            target: "t",
            limit: "parsing YAML; {auto}",
        };
        let v = Verdict {
            measured: "1 ms".into(),
            status: Status::Met,
            note: String::new(),
            auto: "slowest phase: load (50%)".into(),
        };
        assert_eq!(
            limit_text(&spec, &v),
            "parsing YAML; slowest phase: load (50%)"
        );
        assert_eq!(limit_text(&spec, &Verdict::not_measured("x")), "");
        assert_eq!(ROWS.len(), 10);
    }
}
