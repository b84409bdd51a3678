//! `adobe-events`: receive Adobe I/O Events with the generated crate's stub handlers, which
//! log every event (with `tracing`) and acknowledge it. It is the smallest real consumer:
//! copy it and put your own `Handler` where `StubHandler` is.
//!
//! - `adobe-events webhook --listen 127.0.0.1:8080` serves the webhook at `/webhook`.
//! - `adobe-events journal --url URL --state ./journal.pos` polls a registration's journal.
//!
//! Several receivers behind one load balancer share their deduplication with
//! `--dedup redis://HOST:PORT/DB`; several journal pollers of one registration share its
//! position with `--state redis://HOST:PORT/DB` and take turns through a lease (one reads,
//! the others stand by and take over within `--lease-secs` when it dies).
//!
//! Settings come from flags or environment variables; a missing required one is an error at
//! start-up. Signatures are verified unless `--insecure-skip-signature-verification` is given.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use adobe_io_events::transport::{
    DedupStore, FilePositionStore, JournalConfig, JournalPoller, MemoryDedupStore, OnGone,
    OnUnhandled, PositionStore, RedisDedupStore, RedisJournalState, RedisSettings, Start,
    StaticToken, Verification, WebhookConfig,
};
use adobe_io_events::{Router, StubHandler};
use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "adobe-events",
    version,
    about = "Receive Adobe I/O Events (webhook or journal) with logging stub handlers"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the webhook Adobe delivers events to.
    Webhook(WebhookArgs),
    /// Poll a registration's journal.
    Journal(JournalArgs),
}

#[derive(Debug, Args)]
struct WebhookArgs {
    /// Address to listen on (port 0 picks a free port; the address is logged).
    #[arg(long, env = "ADOBE_WEBHOOK_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Path of the webhook.
    #[arg(long, env = "ADOBE_WEBHOOK_PATH", default_value = "/webhook")]
    path: String,
    /// Your credential's client id: every event's recipient must be this.
    #[arg(long, env = "ADOBE_CLIENT_ID")]
    client_id: String,
    /// Where public keys are fetched from (Adobe's host unless you test locally).
    #[arg(
        long,
        env = "ADOBE_KEY_HOST",
        default_value = "https://static.adobeioevents.com"
    )]
    key_host: String,
    /// Accept unsigned events. Only for local development: anyone can then send you events.
    #[arg(long)]
    insecure_skip_signature_verification: bool,
    /// Seconds a handler may take before the delivery is answered as retryable.
    #[arg(long, env = "ADOBE_HANDLER_TIMEOUT_SECS", default_value_t = 8)]
    handler_timeout_secs: u64,
    /// Acknowledge events no message of the spec matches (default: reject them with 4xx).
    #[arg(long)]
    acknowledge_unhandled: bool,
    /// Where handled event ids are kept: `memory` (this process only) or a
    /// `redis://HOST:PORT/DB` URL shared by every receiver behind the same load balancer.
    /// While Redis is unreachable, deliveries are answered 503 (Adobe retries).
    #[arg(long, env = "ADOBE_DEDUP", default_value = "memory")]
    dedup: String,
}

fn is_redis(url: &str) -> bool {
    url.starts_with("redis://") || url.starts_with("rediss://")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum StartArg {
    /// Resume from the position in the state file (the oldest event when there is none).
    Stored,
    /// The oldest event the journal still holds.
    Oldest,
    /// Only events from now on.
    Latest,
}

#[derive(Debug, Args)]
struct JournalArgs {
    /// The registration's journal URL (from the Developer Console).
    #[arg(long, env = "ADOBE_JOURNAL_URL")]
    url: String,
    /// Where the journal position is kept across restarts: a file, or a
    /// `redis://HOST:PORT/DB` URL shared by several pollers of this registration, which then
    /// take turns (one reads, the others stand by) and share their deduplication.
    #[arg(long, env = "ADOBE_JOURNAL_STATE", default_value = "./journal.pos")]
    state: String,
    /// With a Redis state: seconds a dead poller's lease lasts before another takes over.
    #[arg(long, env = "ADOBE_JOURNAL_LEASE_SECS", default_value_t = 30)]
    lease_secs: u64,
    /// Your credential's client id (sent as x-api-key).
    #[arg(long, env = "ADOBE_CLIENT_ID")]
    client_id: String,
    /// Your organization (`...@AdobeOrg`).
    #[arg(long, env = "ADOBE_IMS_ORG_ID")]
    ims_org_id: String,
    /// An access token for the journal.
    #[arg(long, env = "ADOBE_ACCESS_TOKEN", hide_env_values = true)]
    access_token: String,
    /// Where to start.
    #[arg(long, value_enum, default_value = "stored")]
    start: StartArg,
    /// Start from a point in time instead: a negative ISO-8601 duration such as `-PT2H`.
    #[arg(long, conflicts_with = "start")]
    seek: Option<String>,
    /// Where to restart when the position has expired (410 Gone).
    #[arg(long, value_parser = ["oldest", "latest"], default_value = "oldest")]
    on_gone: String,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Webhook(args) => webhook(args).await,
            Command::Journal(args) => journal(args).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

async fn shutdown_signal() {
    let _ = tokio::signal::ctrl_c().await;
    tracing::info!("shutting down: finishing what is in flight");
}

async fn webhook(args: WebhookArgs) -> Result<(), String> {
    let mut config = WebhookConfig::new(args.client_id);
    config.path = args.path;
    config.key_host = args.key_host;
    config.handler_timeout = Duration::from_secs(args.handler_timeout_secs);
    if args.acknowledge_unhandled {
        config.on_unhandled = OnUnhandled::Acknowledge;
    }
    config.dedup = match args.dedup.as_str() {
        "memory" => Arc::new(MemoryDedupStore::default()),
        url if is_redis(url) => Arc::new(
            RedisDedupStore::new(RedisSettings::new(url)).map_err(|e| format!("--dedup: {e}"))?,
        ),
        other => {
            return Err(format!(
                "--dedup must be `memory` or a redis:// URL, not `{other}`"
            ));
        }
    };
    if args.insecure_skip_signature_verification {
        tracing::warn!(
            "SIGNATURE VERIFICATION IS OFF: anyone who can reach this server can send it events"
        );
        config.verification = Verification::Disabled;
    }
    config.validate().map_err(|e| e.to_string())?;
    let path = config.path.clone();
    let router = adobe_io_events::transport::router(Arc::new(Router::new(StubHandler)), config);
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    tracing::info!(%addr, %path, "serving the Adobe I/O Events webhook");
    println!("listening on http://{addr}{path}");
    adobe_io_events::transport::serve(listener, router, shutdown_signal())
        .await
        .map_err(|e| e.to_string())
}

async fn journal(args: JournalArgs) -> Result<(), String> {
    let mut config = JournalConfig::new(
        args.url,
        args.client_id,
        args.ims_org_id,
        Arc::new(StaticToken(args.access_token)),
    );
    config.start = match (args.seek, args.start) {
        (Some(d), _) => Start::Seek(d),
        (None, StartArg::Stored) => Start::Stored,
        (None, StartArg::Oldest) => Start::Oldest,
        (None, StartArg::Latest) => Start::Latest,
    };
    config.reset_policy = if args.on_gone == "latest" {
        OnGone::Latest
    } else {
        OnGone::Oldest
    };
    let positions: Arc<dyn PositionStore> = if is_redis(&args.state) {
        if args.lease_secs == 0 {
            return Err("--lease-secs must be positive".to_owned());
        }
        let lease = Duration::from_secs(args.lease_secs);
        let mut registration =
            url::Url::parse(&config.url).map_err(|e| format!("--url `{}`: {e}", config.url))?;
        registration.set_query(None);
        registration.set_fragment(None);
        let state = Arc::new(
            RedisJournalState::new(RedisSettings::new(&args.state), registration.as_str())
                .map_err(|e| format!("--state: {e}"))?
                .with_lease_ttl(lease),
        );
        let dedup: Arc<dyn DedupStore> = Arc::new(
            RedisDedupStore::new(RedisSettings::new(&args.state))
                .map_err(|e| format!("--state: {e}"))?
                .with_lease(lease),
        );
        config.dedup = dedup;
        config.lease = Some(state.clone());
        state
    } else {
        Arc::new(FilePositionStore::new(&args.state))
    };
    let mut poller = JournalPoller::new(Arc::new(Router::new(StubHandler)), positions, config)
        .map_err(|e| e.to_string())?;
    tracing::info!(state = %shown(&args.state), "polling the Adobe I/O Events journal");
    poller
        .run(shutdown_signal())
        .await
        .map_err(|e| e.to_string())
}

/// A state location for logs: a Redis URL without its password.
fn shown(state: &str) -> String {
    match url::Url::parse(state) {
        Ok(mut u) if is_redis(state) => {
            if u.password().is_some() {
                let _ = u.set_password(Some("***"));
            }
            u.to_string()
        }
        _ => state.to_owned(),
    }
}
