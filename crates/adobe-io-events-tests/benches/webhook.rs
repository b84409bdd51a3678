//! End-to-end load on the Adobe webhook receiver of `adobe-io-transport`, feeding the
//! generated `Router` with a handler that does nothing, everything on 127.0.0.1.
//!
//! The receiver runs as in production: RSA signature verification on (2048-bit keys made
//! here, served as PEM by a local key server and cached by the receiver, the cache warmed
//! before measuring), in-memory deduplication, each event with its own id. Scenarios:
//!
//! - `bare`: an axum handler that reads the body and answers 200 (the baseline);
//! - `single`: signed deliveries of one ~1 KB `DatasetIngestionEvent` each;
//! - `batch`: signed batch deliveries (a JSON array) of 10 such events;
//! - `single_unverified`: `single` with `Verification::Disabled`, to see what verification
//!   costs (next to timing `signature::verify_rsa_sha256` alone on the same messages).
//!
//! A reqwest client keeps 16 requests in flight; each scenario runs a warm-up, then at most a
//! fixed number of requests (20,000 for `bare`, 6,000 single or 1,500 batch deliveries) or
//! 12 s. Every response must be 2xx: others are counted as
//! errors. Prints a table; with `BENCH_JSON=<path>`, also writes the figures as JSON there.
//!
//! Run with `cargo bench -p adobe-io-events-tests --bench webhook`.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::net::SocketAddr;
use std::ops::Range;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use adobe_io_events::Router;
use adobe_io_events::transport::signature::verify_rsa_sha256;
use adobe_io_events::transport::{MemoryDedupStore, Verification, WebhookConfig, serve};
use axum::body::Bytes;
use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rand::SeedableRng;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::{EncodePublicKey, LineEnding};
use rsa::signature::{SignatureEncoding, Signer};
use rsa::{RsaPrivateKey, RsaPublicKey};
use serde_json::{Value, json};
use sha2::Sha256;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

#[allow(
    dead_code,
    reason = "shared with the router bench, which uses other parts"
)]
#[path = "support/events.rs"]
mod events;

use events::{CLIENT_ID, KEY_PATH_1, KEY_PATH_2, Noop};

/// Requests in flight at once.
const CONCURRENCY: usize = 16;
/// Events per batch delivery.
const BATCH_SIZE: usize = 10;
/// Size of each event.
const EVENT_BYTES: usize = 1024;
/// Requests before measuring (the first one alone, so that one key fetch fills the cache).
const WARM_UP: usize = 300;
/// Longest measured phase of a scenario.
const MAX_TIME: Duration = Duration::from_secs(12);
/// Most measured requests of `bare`, which sends the `single` deliveries over and over.
const MAX_BARE_REQUESTS: usize = 20_000;
/// Most measured requests of the receiver scenarios: each request is used once (unique event
/// ids), and signing them all beforehand is what bounds these counts (the `rsa` crate takes
/// a few ms per signature).
const MAX_SINGLE_REQUESTS: usize = 6_000;
const MAX_BATCH_REQUESTS: usize = 1_500;
/// Messages timed for the cost of one signature verification.
const VERIFY_SAMPLES: usize = 300;

/// One request, ready to send (its body signed if the receiver verifies).
struct Delivery {
    body: Bytes,
    headers: HeaderMap,
    events: usize,
}

fn header_map(pairs: &[(&'static str, String)]) -> HeaderMap {
    pairs
        .iter()
        .map(|(name, value)| {
            (
                HeaderName::from_static(name),
                HeaderValue::from_str(value).expect("a valid header value"),
            )
        })
        .collect()
}

/// Bodies and the id of their first event: `single` (one event each) or batches.
fn bodies(count: usize, per_request: usize, first_id: u64) -> Vec<(Vec<u8>, String)> {
    (0..count)
        .map(|r| {
            let mut ids: Vec<String> = (0..per_request)
                .map(|k| events::uuid(first_id + (r * per_request + k) as u64))
                .collect();
            let body = if per_request == 1 {
                events::ingestion_event(&ids[0], EVENT_BYTES)
            } else {
                Value::Array(
                    ids.iter()
                        .map(|id| events::ingestion_event(id, EVENT_BYTES))
                        .collect(),
                )
            };
            let bytes = serde_json::to_vec(&body).expect("serializes");
            (bytes, ids.swap_remove(0))
        })
        .collect()
}

/// Signs every body (RSASSA-PKCS1-v1_5 / SHA-256, base64) on every core.
fn sign_all(
    key: &SigningKey<Sha256>,
    bodies: Vec<(Vec<u8>, String)>,
    per_request: usize,
    first_delivery: u64,
) -> Vec<Delivery> {
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let chunk = bodies.len().div_ceil(threads).max(1);
    let signatures: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = bodies
            .chunks(chunk)
            .map(|part| {
                s.spawn(move || {
                    part.iter()
                        .map(|(body, _)| STANDARD.encode(key.sign(body).to_bytes()))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("signing thread"))
            .collect()
    });
    bodies
        .into_iter()
        .zip(signatures)
        .enumerate()
        .map(|(i, ((body, first_id), signature))| Delivery {
            headers: header_map(&events::delivery_headers(
                &first_id,
                first_delivery + i as u64,
                &signature,
            )),
            body: Bytes::from(body),
            events: per_request,
        })
        .collect()
}

/// Serves `app` on 127.0.0.1 (a free port) until the sender is dropped.
async fn spawn_app(app: axum::Router) -> (SocketAddr, oneshot::Sender<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let addr = listener.local_addr().expect("has an address");
    let (tx, rx) = oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = rx.await;
            })
            .await;
    });
    (addr, tx)
}

/// A local stand-in for `static.adobeioevents.com` serving the public key at both paths.
async fn key_server(pem: String, fetches: Arc<AtomicUsize>) -> (SocketAddr, oneshot::Sender<()>) {
    let key = move || {
        fetches.fetch_add(1, Ordering::SeqCst);
        let pem = pem.clone();
        async move { pem }
    };
    let app = axum::Router::new()
        .route(KEY_PATH_1, axum::routing::get(key.clone()))
        .route(KEY_PATH_2, axum::routing::get(key));
    spawn_app(app).await
}

/// The bare baseline: read the body, answer 200.
async fn bare_server() -> (SocketAddr, oneshot::Sender<()>) {
    let app = axum::Router::new().route(
        "/webhook",
        axum::routing::post(|body: Bytes| async move {
            black_box(body.len());
            StatusCode::OK
        }),
    );
    spawn_app(app).await
}

/// The real receiver with the generated router and a no-op handler.
async fn receiver(
    verification: Verification,
    key_host: &str,
) -> (SocketAddr, Noop, oneshot::Sender<()>) {
    let mut config = WebhookConfig::new(CLIENT_ID);
    config.verification = verification;
    config.key_host = key_host.to_owned();
    config.dedup = Arc::new(MemoryDedupStore::default());
    config.validate().expect("a valid configuration");
    let noop = Noop::default();
    let app = adobe_io_events::transport::router(Arc::new(Router::new(noop.clone())), config);
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let addr = listener.local_addr().expect("has an address");
    let (tx, rx) = oneshot::channel::<()>();
    tokio::spawn(serve(listener, app, async move {
        let _ = rx.await;
    }));
    (addr, noop, tx)
}

/// What one load run saw.
#[derive(Default)]
struct Run {
    requests: usize,
    /// Events of the 2xx responses.
    events: usize,
    seconds: f64,
    latencies_ns: Vec<u64>,
    /// Non-2xx statuses and transport errors, by kind.
    errors: BTreeMap<String, usize>,
}

impl Run {
    fn error_count(&self) -> usize {
        self.errors.values().sum()
    }
}

/// Sends `deliveries[range]` (indices past the end wrap around) with `concurrency` requests
/// in flight, for at most `max_time`.
async fn load(
    url: &str,
    deliveries: &Arc<Vec<Delivery>>,
    range: Range<usize>,
    concurrency: usize,
    max_time: Duration,
) -> Run {
    let client = reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(CONCURRENCY)
        .timeout(Duration::from_secs(10))
        .build()
        .expect("an HTTP client");
    let next = Arc::new(AtomicUsize::new(range.start));
    let start = Instant::now();
    let tasks: Vec<_> = (0..concurrency)
        .map(|_| {
            let (client, url, deliveries, next) = (
                client.clone(),
                url.to_owned(),
                deliveries.clone(),
                next.clone(),
            );
            let end = range.end;
            tokio::spawn(async move {
                let mut run = Run::default();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= end || start.elapsed() >= max_time {
                        break;
                    }
                    let d = &deliveries[i % deliveries.len()];
                    let sent = Instant::now();
                    let outcome = match client
                        .post(&url)
                        .headers(d.headers.clone())
                        .body(d.body.clone())
                        .send()
                        .await
                    {
                        Ok(resp) => {
                            let status = resp.status();
                            match resp.bytes().await {
                                Ok(text) => Ok((status, text)),
                                Err(e) => Err(format!("reading the answer: {e}")),
                            }
                        }
                        Err(e) => Err(format!("transport: {e}")),
                    };
                    run.latencies_ns
                        .push(u64::try_from(sent.elapsed().as_nanos()).unwrap_or(u64::MAX));
                    run.requests += 1;
                    match outcome {
                        Ok((status, _)) if status.is_success() => run.events += d.events,
                        Ok((status, text)) => {
                            let kind = format!("{status}: {}", String::from_utf8_lossy(&text));
                            *run.errors.entry(kind).or_default() += 1;
                        }
                        Err(kind) => *run.errors.entry(kind).or_default() += 1,
                    }
                }
                run
            })
        })
        .collect();
    let mut total = Run::default();
    for task in tasks {
        let run = task.await.expect("a load task");
        total.requests += run.requests;
        total.events += run.events;
        total.latencies_ns.extend(run.latencies_ns);
        for (kind, n) in run.errors {
            *total.errors.entry(kind).or_default() += n;
        }
    }
    total.seconds = start.elapsed().as_secs_f64();
    total
}

/// User + system CPU time of this process so far, from `/proc/self/stat` (Linux; clock
/// ticks of 1/100 s).
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i)?.parse::<u64>().ok();
    Some((ticks(11)? + ticks(12)?) as f64 / 100.0)
}

/// A scenario's figures.
struct Scenario {
    name: &'static str,
    run: Run,
    /// Warm-up requests that were not 2xx (also counted in the errors).
    warm_up_errors: usize,
    cpu_seconds: Option<f64>,
    /// Events the handler saw against events acknowledged with 2xx (receiver scenarios).
    handled: Option<(usize, usize)>,
    key_fetches: Option<usize>,
}

impl Scenario {
    fn errors(&self) -> usize {
        self.run.error_count()
    }
    fn events_per_s(&self) -> f64 {
        self.run.events as f64 / self.run.seconds
    }
    fn requests_per_s(&self) -> f64 {
        self.run.requests as f64 / self.run.seconds
    }
    fn percentile_us(&self, q: f64) -> f64 {
        let mut sorted = self.run.latencies_ns.clone();
        sorted.sort_unstable();
        if sorted.is_empty() {
            return f64::NAN;
        }
        let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
        sorted[rank - 1] as f64 / 1_000.0
    }
    fn json(&self) -> Value {
        json!({
            "name": self.name,
            "requests": self.run.requests,
            "events": self.run.events,
            "seconds": self.run.seconds,
            "events_per_s": self.events_per_s(),
            "requests_per_s": self.requests_per_s(),
            "p50_us": self.percentile_us(0.50),
            "p99_us": self.percentile_us(0.99),
            "errors": self.errors(),
        })
    }
}

/// Where a scenario sends its requests.
enum Target<'a> {
    Bare,
    Receiver {
        verification: Verification,
        key_host: &'a str,
        fetches: &'a AtomicUsize,
    },
}

async fn scenario(
    name: &'static str,
    target: Target<'_>,
    deliveries: &Arc<Vec<Delivery>>,
    max_requests: usize,
) -> Scenario {
    let (addr, noop, _shutdown) = match &target {
        Target::Bare => {
            let (addr, tx) = bare_server().await;
            (addr, None, tx)
        }
        Target::Receiver {
            verification,
            key_host,
            ..
        } => {
            let (addr, noop, tx) = receiver(*verification, key_host).await;
            (addr, Some(noop), tx)
        }
    };
    let url = format!("http://{addr}/webhook");
    let fetches_before = match &target {
        Target::Receiver { fetches, .. } => fetches.load(Ordering::SeqCst),
        Target::Bare => 0,
    };
    // Warm-up: one request alone (one key fetch fills the cache), then the rest in parallel.
    let mut warm = load(&url, deliveries, 0..1, 1, MAX_TIME).await;
    let rest = load(&url, deliveries, 1..WARM_UP, CONCURRENCY, MAX_TIME).await;
    warm.events += rest.events;
    for (kind, n) in rest.errors {
        *warm.errors.entry(kind).or_default() += n;
    }
    let key_fetches = match &target {
        Target::Receiver {
            verification: Verification::Signatures,
            fetches,
            ..
        } => Some(fetches.load(Ordering::SeqCst) - fetches_before),
        _ => None,
    };
    let end = WARM_UP + max_requests;
    if noop.is_some() {
        assert!(
            end <= deliveries.len(),
            "{name}: every event id is used once"
        );
    }
    let cpu_before = cpu_seconds();
    let mut run = load(&url, deliveries, WARM_UP..end, CONCURRENCY, MAX_TIME).await;
    let cpu = cpu_before.zip(cpu_seconds()).map(|(a, b)| b - a);
    let warm_up_errors = warm.error_count();
    let acknowledged = run.events + warm.events;
    for (kind, n) in warm.errors {
        *run.errors.entry(format!("(warm-up) {kind}")).or_default() += n;
    }
    let handled = noop.map(|n| {
        assert_eq!(
            n.calls.other.load(Ordering::SeqCst),
            0,
            "another handler ran"
        );
        (
            n.calls.dataset_ingestion.load(Ordering::SeqCst),
            acknowledged,
        )
    });
    Scenario {
        name,
        run,
        warm_up_errors,
        cpu_seconds: cpu,
        handled,
        key_fetches,
    }
}

/// Nanoseconds of one `verify_rsa_sha256` call, on the first messages of `deliveries`.
fn verify_cost_ns(public: &RsaPublicKey, deliveries: &[Delivery]) -> f64 {
    let samples = &deliveries[..VERIFY_SAMPLES.min(deliveries.len())];
    let signature = |d: &Delivery| {
        d.headers["x-adobe-digital-signature-1"]
            .to_str()
            .expect("ASCII")
            .to_owned()
    };
    let signatures: Vec<String> = samples.iter().map(signature).collect();
    let mut best = f64::INFINITY;
    for _ in 0..3 {
        let start = Instant::now();
        for (d, sig) in samples.iter().zip(&signatures) {
            assert!(verify_rsa_sha256(public, black_box(&d.body), sig));
        }
        best = best.min(start.elapsed().as_nanos() as f64 / samples.len() as f64);
    }
    best
}

fn main() {
    let started = Instant::now();
    let mut rng = rand::rngs::StdRng::seed_from_u64(0xAD0BE);
    let private = RsaPrivateKey::new(&mut rng, 2048).expect("an RSA key");
    let public = private.to_public_key();
    let pem = public
        .to_public_key_pem(LineEnding::LF)
        .expect("a PEM public key");
    let signer = SigningKey::<Sha256>::new(private);
    println!(
        "generated a 2048-bit RSA key in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let t = Instant::now();
    let single = Arc::new(sign_all(
        &signer,
        bodies(WARM_UP + MAX_SINGLE_REQUESTS, 1, 0),
        1,
        0,
    ));
    let batch = Arc::new(sign_all(
        &signer,
        bodies(WARM_UP + MAX_BATCH_REQUESTS, BATCH_SIZE, 1 << 40),
        BATCH_SIZE,
        1 << 40,
    ));
    println!(
        "signed {} single deliveries ({} bytes each) and {} batches of {BATCH_SIZE} ({} bytes each) in {:.1} s",
        single.len(),
        single[0].body.len(),
        batch.len(),
        batch[0].body.len(),
        t.elapsed().as_secs_f64()
    );
    let verify_ns = verify_cost_ns(&public, &single);

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let scenarios = runtime.block_on(async {
        let fetches = Arc::new(AtomicUsize::new(0));
        let (key_addr, _keys) = key_server(pem, fetches.clone()).await;
        let key_host = format!("http://{key_addr}");
        let signed = |verification| Target::Receiver {
            verification,
            key_host: &key_host,
            fetches: &fetches,
        };
        vec![
            scenario("bare", Target::Bare, &single, MAX_BARE_REQUESTS).await,
            scenario(
                "single",
                signed(Verification::Signatures),
                &single,
                MAX_SINGLE_REQUESTS,
            )
            .await,
            scenario(
                "batch",
                signed(Verification::Signatures),
                &batch,
                MAX_BATCH_REQUESTS,
            )
            .await,
            scenario(
                "single_unverified",
                signed(Verification::Disabled),
                &single,
                MAX_SINGLE_REQUESTS,
            )
            .await,
        ]
    });
    runtime.shutdown_timeout(Duration::from_secs(1));

    report(&scenarios, verify_ns);
    println!("total {:.1} s", started.elapsed().as_secs_f64());
}

fn report(scenarios: &[Scenario], verify_ns: f64) {
    let by_name = |name: &str| {
        scenarios
            .iter()
            .find(|s| s.name == name)
            .expect("a scenario")
    };
    let (bare, single, batch, unverified) = (
        by_name("bare"),
        by_name("single"),
        by_name("batch"),
        by_name("single_unverified"),
    );
    println!();
    println!(
        "{:<18} {:>8} {:>8} {:>7} {:>10} {:>10} {:>9} {:>9} {:>6} {:>8}",
        "scenario",
        "requests",
        "events",
        "seconds",
        "events/s",
        "requests/s",
        "p50 µs",
        "p99 µs",
        "errors",
        "vs bare"
    );
    for s in scenarios {
        println!(
            "{:<18} {:>8} {:>8} {:>7.2} {:>10.0} {:>10.0} {:>9.0} {:>9.0} {:>6} {:>7.2}x",
            s.name,
            s.run.requests,
            s.run.events,
            s.run.seconds,
            s.events_per_s(),
            s.requests_per_s(),
            s.percentile_us(0.50),
            s.percentile_us(0.99),
            s.errors(),
            s.events_per_s() / bare.events_per_s()
        );
    }
    println!();
    for s in scenarios {
        if let Some((handled, acknowledged)) = s.handled {
            let check = if handled == acknowledged {
                "ok"
            } else {
                "MISMATCH"
            };
            println!(
                "{}: the handler saw {handled} events, {acknowledged} were acknowledged ({check}); warm-up errors {}{}",
                s.name,
                s.warm_up_errors,
                s.key_fetches
                    .map(|n| format!("; public-key fetches {n} (all during the warm-up)"))
                    .unwrap_or_default()
            );
        }
        for (kind, n) in &s.run.errors {
            println!("{}: {n} x {kind}", s.name);
        }
    }

    // Verification share, two ways. Measured: the receiver verifies one signature per request
    // (signature 1 verifies, so signature 2 is not checked); `verify_rsa_sha256` alone costs
    // `verify_ns`, against the CPU time the process (receiver and load generator) spent in the
    // measured phase of `single`. Compared: `single` against the same run unverified.
    let verify_seconds = verify_ns * 1e-9 * single.run.requests as f64;
    let share_cpu = single.cpu_seconds.map(|cpu| verify_seconds / cpu);
    let share_wall = verify_seconds / single.run.seconds;
    let share_off = 1.0 - single.events_per_s() / unverified.events_per_s();
    println!();
    println!(
        "signature verification (`signature::verify_rsa_sha256`, RSA-2048, ~1 KB body): {:.1} µs per request",
        verify_ns / 1_000.0
    );
    match (share_cpu, single.cpu_seconds) {
        (Some(share), Some(cpu)) => println!(
            "  x {} requests = {verify_seconds:.2} s of the {cpu:.2} s of CPU the process used in `single`: {:.1}% \
             ({:.1}% of its {:.2} s of wall time)",
            single.run.requests,
            share * 100.0,
            share_wall * 100.0,
            single.run.seconds
        ),
        _ => println!(
            "  x {} requests = {verify_seconds:.2} s: {:.1}% of the {:.2} s of wall time of `single`",
            single.run.requests,
            share_wall * 100.0,
            single.run.seconds
        ),
    }
    println!(
        "  `single` with verification off: {:.0} events/s, so verification costs {:.1}% of the throughput",
        unverified.events_per_s(),
        share_off * 100.0
    );
    let ratio_single = single.events_per_s() / bare.events_per_s();
    let ratio_batch = batch.events_per_s() / bare.events_per_s();
    println!(
        "events/s against bare: single {ratio_single:.2}x, batch {ratio_batch:.2}x (target >= 0.70x)"
    );
    let errors: usize = scenarios.iter().map(Scenario::errors).sum();
    let mismatches = scenarios
        .iter()
        .filter(|s| s.handled.is_some_and(|(h, a)| h != a))
        .count();
    if errors > 0 || mismatches > 0 {
        println!(
            "WARNING: {errors} non-2xx or failed requests, {mismatches} handled-count mismatches"
        );
    }

    if let Some(path) = std::env::var_os("BENCH_JSON") {
        let (share, method) = match share_cpu {
            Some(share) => (
                share,
                format!(
                    "timed signature::verify_rsa_sha256 alone on {VERIFY_SAMPLES} of the same signed ~1 KB bodies \
                     ({:.1} us per call, one call per request) x requests of `single` / CPU time (user+system) of \
                     the bench process (receiver and load generator) in that phase; wall-time share {share_wall:.3}; \
                     `single` with Verification::Disabled loses {share_off:.3} of the throughput",
                    verify_ns / 1_000.0
                ),
            ),
            None => (
                share_wall,
                format!(
                    "timed signature::verify_rsa_sha256 alone ({:.1} us per call) x requests of `single` / its \
                     wall time; `single` with Verification::Disabled loses {share_off:.3} of the throughput",
                    verify_ns / 1_000.0
                ),
            ),
        };
        let doc = json!({
            "scenarios": scenarios.iter().map(Scenario::json).collect::<Vec<_>>(),
            "ratio_single_to_bare": ratio_single,
            "ratio_batch_to_bare": ratio_batch,
            "verification_share": share,
            "verification_method": method,
        });
        let text = serde_json::to_string_pretty(&doc).expect("serializes");
        std::fs::write(&path, text + "\n").expect("BENCH_JSON is writable");
        println!("wrote {}", path.to_string_lossy());
    }
}
