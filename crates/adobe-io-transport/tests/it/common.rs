//! Test doubles: a fake generated router, a fake Adobe key server, RSA keys, a seeded RNG.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use adobe_io_transport::{WebhookConfig, router, serve};
use asyncapi_runtime::{Dispatch, DispatchError, Dispatched, Headers, Incoming};
use axum::http::{StatusCode, Uri};
use axum::response::IntoResponse;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rand::SeedableRng;
use rsa::RsaPrivateKey;
use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::{EncodePublicKey, LineEnding};
use rsa::signature::{SignatureEncoding, Signer};
use sha2::Sha256;
use tokio::net::TcpListener;
use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;

pub const CLIENT_ID: &str = "client-1";
pub const PATH_A: &str = "/prod/keys/pub-key-0a1ff49f-099d-4d2f-8d41-a49957e551a1.pem";
pub const PATH_B: &str = "/prod/keys/pub-key-7d3b9e2c-1f4a-4c8e-9b6d-2e5f8a1c3d7b.pem";
pub const PATH_WRONG: &str = "/prod/keys/pub-key-ffffffff-ffff-4fff-8fff-ffffffffffff.pem";

// ---------------------------------------------------------------- keys

pub struct Keys {
    pub adobe: SigningKey<Sha256>,
    pub adobe_pem: String,
    pub other: SigningKey<Sha256>,
    pub other_pem: String,
}

/// One pair of 2048-bit keys per test binary (plus a second pair for "wrong key" tests).
pub fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let start = std::time::Instant::now();
        let mut rng = rand::rngs::StdRng::seed_from_u64(0xAD0BE);
        let a = RsaPrivateKey::new(&mut rng, 2048).unwrap();
        let b = RsaPrivateKey::new(&mut rng, 2048).unwrap();
        eprintln!("generated two 2048-bit RSA keys in {:?}", start.elapsed());
        Keys {
            adobe_pem: a.to_public_key().to_public_key_pem(LineEnding::LF).unwrap(),
            other_pem: b.to_public_key().to_public_key_pem(LineEnding::LF).unwrap(),
            adobe: SigningKey::<Sha256>::new(a),
            other: SigningKey::<Sha256>::new(b),
        }
    })
}

pub fn sign_with(key: &SigningKey<Sha256>, body: &[u8]) -> String {
    STANDARD.encode(key.sign(body).to_bytes())
}

pub fn sign(body: &[u8]) -> String {
    sign_with(&keys().adobe, body)
}

// ---------------------------------------------------------------- fake router

/// What the fake router does with an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Ok,
    /// A handler error (retryable).
    Fail,
    /// No matching message (never retryable).
    Unknown,
    /// Sleep, then succeed.
    Sleep(Duration),
}

#[derive(Debug, Clone)]
pub struct Received {
    pub address: Option<String>,
    pub headers: Headers,
    pub content_type: Option<String>,
    pub payload: Vec<u8>,
}

impl Received {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.payload).unwrap()
    }
    /// `eventid` / `event_id` of the payload.
    pub fn event_id(&self) -> String {
        let v = self.json();
        v.get("eventid")
            .or_else(|| v.get("event_id"))
            .and_then(|s| s.as_str())
            .unwrap_or("")
            .to_owned()
    }
}

/// A fake generated router: records what it got, can fail or sleep, per event id.
pub struct FakeDispatch {
    pub received: Mutex<Vec<Received>>,
    pub default_mode: Mutex<Mode>,
    pub modes: Mutex<HashMap<String, Mode>>,
    /// Number of successful dispatches so far.
    pub handled: watch::Sender<usize>,
    pub calls: AtomicUsize,
}

impl FakeDispatch {
    pub fn new() -> Arc<Self> {
        Arc::new(FakeDispatch {
            received: Mutex::new(Vec::new()),
            default_mode: Mutex::new(Mode::Ok),
            modes: Mutex::new(HashMap::new()),
            handled: watch::Sender::new(0),
            calls: AtomicUsize::new(0),
        })
    }
    pub fn set_mode(&self, mode: Mode) {
        *self.default_mode.lock().unwrap() = mode;
    }
    pub fn set_mode_for(&self, event_id: &str, mode: Mode) {
        self.modes.lock().unwrap().insert(event_id.to_owned(), mode);
    }
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
    pub fn count(&self) -> usize {
        self.received.lock().unwrap().len()
    }
    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

impl Dispatch for FakeDispatch {
    async fn dispatch<'a>(&'a self, incoming: Incoming<'a>) -> Result<Dispatched, DispatchError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let id = incoming
            .headers
            .get("x-adobe-event-id")
            .unwrap_or("")
            .to_owned();
        let mode = self
            .modes
            .lock()
            .unwrap()
            .get(&id)
            .copied()
            .unwrap_or(*self.default_mode.lock().unwrap());
        match mode {
            Mode::Fail => {
                return Err(DispatchError::Handler {
                    operation: "receive",
                    error: "the handler failed".into(),
                });
            }
            Mode::Unknown => {
                return Err(DispatchError::NoMatchingMessage {
                    channel: "events",
                    reasons: vec![],
                });
            }
            Mode::Sleep(d) => tokio::time::sleep(d).await,
            Mode::Ok => tokio::task::yield_now().await,
        }
        self.received.lock().unwrap().push(Received {
            address: incoming.address.map(str::to_owned),
            headers: incoming.headers.clone(),
            content_type: incoming.content_type.map(str::to_owned),
            payload: incoming.payload.to_vec(),
        });
        self.handled.send_modify(|n| *n += 1);
        Ok(Dispatched {
            operation: "receive",
            message: "Event",
            reply: None,
        })
    }
}

// ---------------------------------------------------------------- key server

/// A fake `static.adobeioevents.com` on 127.0.0.1 that counts every request.
pub struct KeyServer {
    pub origin: String,
    pub fetches: Arc<AtomicUsize>,
    /// The next this-many requests get 503.
    pub fail_next: Arc<AtomicUsize>,
    _shutdown: oneshot::Sender<()>,
}

impl KeyServer {
    pub async fn start() -> KeyServer {
        let fetches = Arc::new(AtomicUsize::new(0));
        let fail_next = Arc::new(AtomicUsize::new(0));
        let keys: HashMap<&'static str, String> = [
            (PATH_A, keys().adobe_pem.clone()),
            (PATH_B, keys().adobe_pem.clone()),
            (PATH_WRONG, keys().other_pem.clone()),
        ]
        .into_iter()
        .collect();
        let (f, n) = (fetches.clone(), fail_next.clone());
        let app = axum::Router::new().fallback(move |uri: Uri| {
            let keys = keys.clone();
            let (f, n) = (f.clone(), n.clone());
            async move {
                f.fetch_add(1, Ordering::SeqCst);
                if n.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |v| v.checked_sub(1))
                    .is_ok()
                {
                    return (StatusCode::SERVICE_UNAVAILABLE, String::new()).into_response();
                }
                match keys.get(uri.path()) {
                    Some(pem) => pem.clone().into_response(),
                    None => (StatusCode::NOT_FOUND, String::new()).into_response(),
                }
            }
        });
        let (addr, shutdown) = spawn_server(app).await;
        KeyServer {
            origin: format!("http://{addr}"),
            fetches,
            fail_next,
            _shutdown: shutdown,
        }
    }

    pub fn fetches(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }
}

/// Serves `app` on 127.0.0.1:0 until the returned sender is dropped.
pub async fn spawn_server(app: axum::Router) -> (SocketAddr, oneshot::Sender<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
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

// ---------------------------------------------------------------- webhook under test

pub struct Webhook {
    pub url: String,
    pub shutdown: Option<oneshot::Sender<()>>,
    pub task: JoinHandle<std::io::Result<()>>,
}

pub async fn start_webhook(dispatcher: Arc<FakeDispatch>, config: WebhookConfig) -> Webhook {
    let path = config.path.clone();
    let app = router(dispatcher, config);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(serve(listener, app, async move {
        let _ = rx.await;
    }));
    Webhook {
        url: format!("http://{addr}{path}"),
        shutdown: Some(tx),
        task,
    }
}

pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

// ---------------------------------------------------------------- payloads

pub fn cloud_event(id: &str, code: &str, recipient: &str) -> serde_json::Value {
    serde_json::json!({
        "specversion": "1.0",
        "type": code,
        "source": "urn:uuid:6fa9dfa3-5300-4f09-99de-37a931550cb6",
        "id": format!("ce-{id}"),
        "time": "2024-06-25T12:00:04.090Z",
        "datacontenttype": "application/json",
        "eventid": id,
        "recipientclientid": recipient,
        "data": {"n": id},
    })
}

pub fn adobe_io_event(id: &str, recipient: &str) -> serde_json::Value {
    serde_json::json!({
        "event_id": id,
        "event": {"header": {"_adobeio": {"eventCode": "platform_event"}}, "body": {"n": id}},
        "recipient_client_id": recipient,
    })
}

// ---------------------------------------------------------------- seeded RNG

/// SplitMix64: small, seeded, reproducible.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// In `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next_u64() % (hi - lo + 1)
    }
}
