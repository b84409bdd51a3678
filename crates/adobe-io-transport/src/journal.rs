//! The Journaling API poller: pulls a registration's journal page after page, following the
//! `Link: <...>; rel="next"` headers, and hands every event to the router.
//!
//! Delivery is at least once. The position (the journal's opaque cursor) is committed to a
//! [`PositionStore`] only once every event up to it was handled: after each page, and before
//! stopping on a failure. A retryable dispatch failure stops the page; the next poll starts
//! again right after the last committed position. A non-retryable one is logged and skipped
//! (or stops the poller, see [`OnRejected`]). Events handled but not yet committed when the
//! process dies are delivered again after a restart: handlers must be idempotent (the
//! [`DedupStore`] drops duplicates it remembers).
//!
//! Answers: 200 is a page; 204 means nothing new, wait `retry-after` seconds; 410 means the
//! position expired, restart as [`OnGone`] says; 401 refreshes the token once; 429, 5xx and
//! network errors back off exponentially with jitter ([`Backoff`]).

use std::collections::hash_map::RandomState;
use std::fmt;
use std::future::Future;
use std::hash::{BuildHasher, Hasher};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use asyncapi_runtime::Dispatch;
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, LINK, RETRY_AFTER};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::watch;
use url::Url;

use crate::dedup::{DedupStore, MemoryDedupStore};
use crate::envelope;
use crate::process::{Outcome, process};
use crate::{BoxFuture, ConfigError};

// ---------------------------------------------------------------------------- tokens

/// A token provider that failed.
#[derive(Debug, Clone, thiserror::Error)]
#[error("cannot get an access token: {0}")]
pub struct TokenError(pub String);

/// Supplies the IMS access token sent as `Authorization: Bearer <token>`.
pub trait TokenProvider: Send + Sync {
    /// The current token (cached by the provider as it sees fit).
    fn token(&self) -> BoxFuture<'_, Result<String, TokenError>>;
    /// A new token, called once after the journal answered 401.
    fn refresh(&self) -> BoxFuture<'_, Result<String, TokenError>>;
}

/// A fixed token (refreshing returns the same one), for tests and short-lived tools.
#[derive(Clone)]
pub struct StaticToken(pub String);

impl fmt::Debug for StaticToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StaticToken(<redacted>)")
    }
}

impl TokenProvider for StaticToken {
    fn token(&self) -> BoxFuture<'_, Result<String, TokenError>> {
        Box::pin(std::future::ready(Ok(self.0.clone())))
    }
    fn refresh(&self) -> BoxFuture<'_, Result<String, TokenError>> {
        Box::pin(std::future::ready(Ok(self.0.clone())))
    }
}

// ---------------------------------------------------------------------------- positions

/// A position store that failed.
#[derive(Debug, thiserror::Error)]
pub enum PositionError {
    /// Reading or writing failed.
    #[error("position store I/O error: {0}")]
    Io(#[from] io::Error),
    /// The stored position cannot be read back.
    #[error("stored position is corrupt: {0}")]
    Corrupt(String),
}

/// Keeps the journal position across restarts.
pub trait PositionStore: Send + Sync {
    /// The last committed position, `None` when nothing was committed yet.
    fn load(&self) -> BoxFuture<'_, Result<Option<String>, PositionError>>;
    /// Durably records `position`: once this returns `Ok`, a crash does not lose it.
    fn commit<'a>(&'a self, position: &'a str) -> BoxFuture<'a, Result<(), PositionError>>;
}

/// A position in memory (lost when the process ends), for tests and throw-away consumers.
#[derive(Debug, Default)]
pub struct MemoryPositionStore(Mutex<Option<String>>);

impl MemoryPositionStore {
    /// A store holding `position`.
    pub fn new(position: Option<String>) -> Self {
        MemoryPositionStore(Mutex::new(position))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<String>> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl PositionStore for MemoryPositionStore {
    fn load(&self) -> BoxFuture<'_, Result<Option<String>, PositionError>> {
        Box::pin(std::future::ready(Ok(self.lock().clone())))
    }
    fn commit<'a>(&'a self, position: &'a str) -> BoxFuture<'a, Result<(), PositionError>> {
        *self.lock() = Some(position.to_owned());
        Box::pin(std::future::ready(Ok(())))
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct PositionFile {
    position: String,
}

/// The default position store: a small JSON file (`{"position": "..."}`), replaced
/// atomically on each commit (written to a temporary file in the same folder, flushed to
/// disk, renamed over the old one, then the folder itself flushed), so that a crash leaves
/// either the old or the new position, never a torn one.
#[derive(Debug, Clone)]
pub struct FilePositionStore {
    path: PathBuf,
}

impl FilePositionStore {
    /// A store at `path` (its folder must exist).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        FilePositionStore { path: path.into() }
    }

    /// Where the position is kept.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

fn read_position(path: &Path) -> Result<Option<String>, PositionError> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let file: PositionFile = serde_json::from_slice(&bytes)
        .map_err(|e| PositionError::Corrupt(format!("{}: {e}", path.display())))?;
    Ok(Some(file.position))
}

static TMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Writes `data` to `path` atomically and durably.
fn write_atomic(path: &Path, data: &[u8]) -> io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path.file_name().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "position path has no file name",
        )
    })?;
    let tmp = dir.join(format!(
        ".{}.{}.{}.tmp",
        name.to_string_lossy(),
        std::process::id(),
        TMP_COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        f.write_all(data)?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, path)?;
        sync_dir(&dir)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}

fn join_error(e: tokio::task::JoinError) -> PositionError {
    PositionError::Io(io::Error::other(format!("position store task failed: {e}")))
}

impl PositionStore for FilePositionStore {
    fn load(&self) -> BoxFuture<'_, Result<Option<String>, PositionError>> {
        let path = self.path.clone();
        Box::pin(async move {
            tokio::task::spawn_blocking(move || read_position(&path))
                .await
                .map_err(join_error)?
        })
    }

    fn commit<'a>(&'a self, position: &'a str) -> BoxFuture<'a, Result<(), PositionError>> {
        let path = self.path.clone();
        let data = serde_json::to_vec(&PositionFile {
            position: position.to_owned(),
        });
        Box::pin(async move {
            let data = data.map_err(|e| PositionError::Corrupt(e.to_string()))?;
            // The blocking task runs to its end even if this future is dropped: the rename
            // is then either done or not, never half done.
            tokio::task::spawn_blocking(move || write_atomic(&path, &data))
                .await
                .map_err(join_error)?
                .map_err(PositionError::Io)
        })
    }
}

// ---------------------------------------------------------------------------- settings

/// Where to start reading the journal.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Start {
    /// Resume after the position in the [`PositionStore`]; from the oldest available event
    /// when none is stored. The default.
    #[default]
    Stored,
    /// From the oldest available event, whatever is stored.
    Oldest,
    /// From the end of the journal (`latest=true`): only events written from now on.
    Latest,
    /// From a moment in the past: a negative ISO-8601 duration such as `-PT1H` (`seek=`).
    Seek(String),
}

/// Where to restart when the position has expired (410 Gone).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnGone {
    /// The oldest available event (nothing still retained is missed). The default.
    #[default]
    Oldest,
    /// The end of the journal (skips whatever is retained).
    Latest,
}

/// What to do with an event that can never be handled (the router has no message for it,
/// its payload is invalid, or it names another recipient).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnRejected {
    /// Log it and go on with the next event. The default.
    #[default]
    Skip,
    /// Stop: [`JournalPoller::poll_once`] returns [`JournalError::Rejected`] and
    /// [`JournalPoller::run`] returns it; the position stays before the event.
    Stop,
}

/// Exponential backoff with jitter, for failed polls.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    /// Wait after the first failure (default 1 s).
    pub initial: Duration,
    /// Longest wait (default 60 s).
    pub max: Duration,
    /// Share of each wait that is random, 0 to 1 (default 0.5: a wait is between half and
    /// all of its exponential value).
    pub jitter: f64,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            initial: Duration::from_secs(1),
            max: Duration::from_secs(60),
            jitter: 0.5,
        }
    }
}

impl Backoff {
    /// The wait after `failures` failures in a row (1 for the first).
    pub fn delay(&self, failures: u32) -> Duration {
        let exp = failures.saturating_sub(1).min(31);
        let base = self.initial.saturating_mul(1u32 << exp).min(self.max);
        let jitter = if self.jitter.is_finite() {
            self.jitter.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let factor = 1.0 - jitter * random_unit();
        Duration::try_from_secs_f64(base.as_secs_f64() * factor)
            .unwrap_or(base)
            .min(self.max)
    }
}

/// A random number in [0, 1), good enough for jitter.
fn random_unit() -> f64 {
    let mut h = RandomState::new().build_hasher();
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    h.write_u32(nanos);
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// Settings of the journal poller. Build with [`JournalConfig::new`] and change fields.
#[derive(Clone)]
pub struct JournalConfig {
    /// The registration's journal URL, as shown in the Developer Console.
    pub url: String,
    /// Your client id, sent as `x-api-key`; events naming another recipient are rejected.
    pub api_key: String,
    /// Your organization, `<id>@AdobeOrg`, sent as `x-ims-org-id`.
    pub ims_org_id: String,
    /// Supplies the bearer token.
    pub token: Arc<dyn TokenProvider>,
    /// Where to start (default: the stored position).
    pub start: Start,
    /// Largest number of events per page (`limit=`), `None` for the server's choice.
    pub limit: Option<u32>,
    /// Where to restart on 410 Gone (default: the oldest event).
    pub reset_policy: OnGone,
    /// Backoff after failures (default 1 s doubling up to 60 s, jitter 0.5).
    pub backoff: Backoff,
    /// Where handled event ids are remembered (default: [`MemoryDedupStore::default`]).
    pub dedup: Arc<dyn DedupStore>,
    /// What to do with events that can never be handled (default: skip them).
    pub on_rejected: OnRejected,
    /// Time limit of one journal request (default 30 s).
    pub request_timeout: Duration,
    /// Wait after a 204 without `retry-after`, or an empty page (default 10 s).
    pub idle_wait: Duration,
    /// Longest `retry-after` honoured (default 5 min).
    pub max_retry_after: Duration,
    /// Time limit of one event's handler; past it the event counts as a retryable failure
    /// (default: none).
    pub handler_timeout: Option<Duration>,
    /// Largest page body read (default 64 MiB).
    pub max_page_bytes: usize,
}

impl fmt::Debug for JournalConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JournalConfig")
            .field("url", &self.url)
            .field("api_key", &self.api_key)
            .field("ims_org_id", &self.ims_org_id)
            .field("start", &self.start)
            .field("limit", &self.limit)
            .field("reset_policy", &self.reset_policy)
            .field("backoff", &self.backoff)
            .field("on_rejected", &self.on_rejected)
            .field("request_timeout", &self.request_timeout)
            .field("idle_wait", &self.idle_wait)
            .field("max_retry_after", &self.max_retry_after)
            .field("handler_timeout", &self.handler_timeout)
            .field("max_page_bytes", &self.max_page_bytes)
            .finish_non_exhaustive()
    }
}

impl JournalConfig {
    /// The default settings for one registration's journal.
    pub fn new(
        url: impl Into<String>,
        api_key: impl Into<String>,
        ims_org_id: impl Into<String>,
        token: Arc<dyn TokenProvider>,
    ) -> Self {
        JournalConfig {
            url: url.into(),
            api_key: api_key.into(),
            ims_org_id: ims_org_id.into(),
            token,
            start: Start::Stored,
            limit: None,
            reset_policy: OnGone::Oldest,
            backoff: Backoff::default(),
            dedup: Arc::new(MemoryDedupStore::default()),
            on_rejected: OnRejected::Skip,
            request_timeout: Duration::from_secs(30),
            idle_wait: Duration::from_secs(10),
            max_retry_after: Duration::from_secs(300),
            handler_timeout: None,
            max_page_bytes: 64 * 1024 * 1024,
        }
    }

    /// Checks the settings; returns the parsed journal URL.
    pub fn validate(&self) -> Result<Url, ConfigError> {
        let url = Url::parse(&self.url)
            .map_err(|e| ConfigError(format!("journal url `{}`: {e}", self.url)))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(ConfigError(format!(
                "journal url `{}` must be an http(s) URL",
                self.url
            )));
        }
        if self.api_key.trim().is_empty() || self.ims_org_id.trim().is_empty() {
            return Err(ConfigError("api_key and ims_org_id must be set".to_owned()));
        }
        if let Start::Seek(d) = &self.start {
            let ok = d.starts_with("-P")
                && d.len() > 2
                && d[2..]
                    .bytes()
                    .all(|b| b.is_ascii_digit() || b"YMWDTHS.".contains(&b));
            if !ok {
                return Err(ConfigError(format!(
                    "seek `{d}` must be a negative ISO-8601 duration such as -PT1H"
                )));
            }
        }
        if self.limit == Some(0) {
            return Err(ConfigError("limit must be positive".to_owned()));
        }
        if self.request_timeout.is_zero() {
            return Err(ConfigError("request_timeout must be positive".to_owned()));
        }
        Ok(url)
    }
}

// ---------------------------------------------------------------------------- poller

/// Why a poll failed.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// The settings cannot work.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The request failed (network, timeout).
    #[error("journal request failed: {0}")]
    Http(#[source] reqwest::Error),
    /// The journal answered an unexpected status.
    #[error("journal answered {status}: {body}")]
    Status {
        /// The status code.
        status: u16,
        /// The start of the answer's body.
        body: String,
    },
    /// The journal refused the token, and again after a refresh.
    #[error("journal refused the access token, also after a refresh (401)")]
    Unauthorized,
    /// The token provider failed.
    #[error(transparent)]
    Token(#[from] TokenError),
    /// The page is not a journal page.
    #[error("journal page is invalid: {0}")]
    Page(String),
    /// The position store failed.
    #[error(transparent)]
    Position(#[from] PositionError),
    /// An event's handler failed in a way worth a retry; the next poll resumes before it.
    #[error("event at position `{position}` failed and will be retried: {reason}")]
    Retry {
        /// The event's position.
        position: String,
        /// Why it failed.
        reason: String,
    },
    /// An event can never be handled and [`OnRejected::Stop`] is set.
    #[error("event at position `{position}` cannot be handled: {reason}")]
    Rejected {
        /// The event's position.
        position: String,
        /// Why.
        reason: String,
    },
}

impl JournalError {
    /// Whether polling again later may succeed: network errors, 408, 429, 5xx, token
    /// provider failures, invalid pages, retryable handler failures.
    pub fn is_transient(&self) -> bool {
        match self {
            JournalError::Http(e) => !e.is_builder(),
            JournalError::Status { status, .. } => {
                matches!(status, 408 | 429) || (500..600).contains(status)
            }
            JournalError::Token(_) | JournalError::Page(_) | JournalError::Retry { .. } => true,
            JournalError::Config(_)
            | JournalError::Unauthorized
            | JournalError::Position(_)
            | JournalError::Rejected { .. } => false,
        }
    }
}

/// What one poll did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Polled {
    /// A page (200) was read and its events handled.
    Page {
        /// Events on the page that were looked at.
        events: usize,
        /// Events whose handler succeeded.
        handled: usize,
        /// Events already handled before (not dispatched again).
        duplicates: usize,
        /// Events that can never be handled, skipped.
        skipped: usize,
    },
    /// Nothing new (204): poll again after `retry_after`.
    Empty {
        /// How long the journal asked to wait.
        retry_after: Duration,
    },
    /// The position had expired (410) and was reset.
    Reset {
        /// Where the next poll starts.
        to: OnGone,
    },
    /// [`JournalPoller::run`] was asked to stop while the request was in flight.
    Stopped,
}

#[derive(Debug, Deserialize)]
struct Page {
    #[serde(default)]
    events: Vec<Entry>,
}

#[derive(Debug, Deserialize)]
struct Entry {
    position: String,
    event: Value,
}

/// Polls one registration's journal and dispatches its events.
pub struct JournalPoller<D> {
    dispatcher: Arc<D>,
    positions: Arc<dyn PositionStore>,
    config: JournalConfig,
    base: Url,
    client: reqwest::Client,
    /// The next URL to request, when known (a `next` link, or a reset).
    next: Option<Url>,
    /// The last committed position.
    committed: Option<String>,
    /// A page whose first unhandled event failed before anything on it was committed,
    /// kept to be handled again as it is: requesting its URL again would not return it
    /// when that URL jumps (`latest=true`, `seek`), and its events would be lost.
    replay: Option<(Url, HeaderMap, Vec<u8>)>,
    loaded: bool,
    failures: u32,
    stop: watch::Sender<bool>,
}

impl<D> fmt::Debug for JournalPoller<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JournalPoller")
            .field("config", &self.config)
            .field("next", &self.next.as_ref().map(Url::as_str))
            .field("committed", &self.committed)
            .finish_non_exhaustive()
    }
}

enum Step {
    Done(Outcome),
    Mismatch(String),
    Invalid(String),
}

impl<D: Dispatch + 'static> JournalPoller<D> {
    /// A poller that dispatches to `dispatcher` and keeps its position in `positions`
    /// (usually a [`FilePositionStore`]).
    pub fn new(
        dispatcher: Arc<D>,
        positions: Arc<dyn PositionStore>,
        config: JournalConfig,
    ) -> Result<Self, JournalError> {
        let base = config.validate()?;
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(config.request_timeout)
            .connect_timeout(config.request_timeout)
            .build()
            .map_err(|e| ConfigError(format!("cannot build the HTTP client: {e}")))?;
        Ok(JournalPoller {
            dispatcher,
            positions,
            config,
            base,
            client,
            next: None,
            replay: None,
            committed: None,
            loaded: false,
            failures: 0,
            stop: watch::Sender::new(false),
        })
    }

    /// The last committed position (after the first poll).
    pub fn committed(&self) -> Option<&str> {
        self.committed.as_deref()
    }

    /// The URL the next poll will request, when already known.
    pub fn next_url(&self) -> Option<&Url> {
        self.next.as_ref()
    }

    fn url_with(&self, param: Option<(&str, &str)>) -> Url {
        let limit = self.config.limit.map(|l| l.to_string());
        let mut params: Vec<(&str, &str)> = param.into_iter().collect();
        if let Some(l) = &limit {
            params.push(("limit", l));
        }
        let mut url = self.base.clone();
        if !params.is_empty() {
            url.query_pairs_mut().extend_pairs(params);
        }
        url
    }

    fn since_url(&self, position: Option<&str>) -> Url {
        match position {
            Some(p) => self.url_with(Some(("since", p))),
            None => self.url_with(None),
        }
    }

    fn initial_url(&self) -> Url {
        match &self.config.start {
            Start::Stored => self.since_url(self.committed.as_deref()),
            Start::Oldest => self.url_with(None),
            Start::Latest => self.url_with(Some(("latest", "true"))),
            Start::Seek(d) => self.url_with(Some(("seek", d))),
        }
    }

    async fn commit(&mut self, position: &str) -> Result<(), JournalError> {
        if self.committed.as_deref() == Some(position) {
            return Ok(());
        }
        self.positions.commit(position).await?;
        self.committed = Some(position.to_owned());
        tracing::debug!(position, "journal position committed");
        Ok(())
    }

    async fn send(&self, url: &Url, token: &str) -> Result<reqwest::Response, JournalError> {
        self.client
            .get(url.clone())
            .bearer_auth(token)
            .header("x-api-key", &self.config.api_key)
            .header("x-ims-org-id", &self.config.ims_org_id)
            .send()
            .await
            .map_err(JournalError::Http)
    }

    /// Requests `url`, refreshing the token once on 401.
    async fn fetch(&self, url: &Url) -> Result<(StatusCode, HeaderMap, Vec<u8>), JournalError> {
        let token = self.config.token.token().await?;
        let mut resp = self.send(url, &token).await?;
        if resp.status() == StatusCode::UNAUTHORIZED {
            tracing::info!("journal answered 401: refreshing the access token");
            let token = self.config.token.refresh().await?;
            resp = self.send(url, &token).await?;
            if resp.status() == StatusCode::UNAUTHORIZED {
                return Err(JournalError::Unauthorized);
            }
        }
        let status = resp.status();
        let headers = resp.headers().clone();
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(JournalError::Http)? {
            if body.len() + chunk.len() > self.config.max_page_bytes {
                return Err(JournalError::Page(format!(
                    "page is larger than {} bytes",
                    self.config.max_page_bytes
                )));
            }
            body.extend_from_slice(&chunk);
        }
        Ok((status, headers, body))
    }

    /// The `next` link of an answer, resolved against the request URL; ignored (with a
    /// warning) when it points to another origin.
    fn next_link(&self, headers: &HeaderMap, request: &Url) -> Option<Url> {
        let target =
            next_link_target(headers.get_all(LINK).iter().filter_map(|v| v.to_str().ok()))?;
        match request.join(&target) {
            Ok(url) if url.origin() == self.base.origin() => Some(url),
            Ok(url) => {
                tracing::warn!(%url, "ignoring a journal `next` link to another origin");
                None
            }
            Err(e) => {
                tracing::warn!(link = %target, error = %e, "ignoring an invalid journal `next` link");
                None
            }
        }
    }

    /// Handles one journal entry. Events without an id of their own are deduplicated on
    /// their journal position, which is unique in the journal.
    async fn handle(&self, event: &Value, position: &str) -> Step {
        let event = match envelope::parse_journal_event(event) {
            Ok(e) => e,
            Err(e) => return Step::Invalid(e.to_string()),
        };
        if let Some(r) = &event.recipient_client_id {
            if r != &self.config.api_key {
                return Step::Mismatch(format!("event is for client id `{r}`"));
            }
        }
        let work = process(
            &*self.dispatcher,
            &self.config.dedup,
            Some(event.event_id.as_deref().unwrap_or(position)),
            &event,
            Some("application/json"),
        );
        match self.config.handler_timeout {
            Some(t) => match tokio::time::timeout(t, work).await {
                Ok(o) => Step::Done(o),
                Err(_) => Step::Done(Outcome::Retry(format!(
                    "handler timed out after {} ms",
                    t.as_millis()
                ))),
            },
            None => Step::Done(work.await),
        }
    }

    /// One poll: a single journal request (two when the token is refreshed) and the
    /// handling of the page it returns. Never sleeps: the caller waits as the result says
    /// ([`Polled::Empty`]'s `retry_after`; a [`Backoff`] after a transient error).
    pub async fn poll_once(&mut self) -> Result<Polled, JournalError> {
        if !self.loaded {
            self.committed = self.positions.load().await?;
            self.loaded = true;
            if let Some(p) = &self.committed {
                tracing::info!(position = %p, start = ?self.config.start, "journal position loaded");
            }
        }
        if let Some((url, headers, body)) = self.replay.take() {
            tracing::info!(url = %url, "handling the page that failed before again");
            return self.handle_page(&url, &headers, &body).await;
        }
        let url = match &self.next {
            Some(u) => u.clone(),
            None => self.initial_url(),
        };
        let mut stop = self.stop.subscribe();
        let fetched = tokio::select! {
            r = self.fetch(&url) => r?,
            _ = stop.wait_for(|s| *s) => return Ok(Polled::Stopped),
        };
        let (status, headers, body) = fetched;
        match status {
            StatusCode::OK => self.handle_page(&url, &headers, &body).await,
            StatusCode::NO_CONTENT => {
                let retry_after = headers
                    .get(RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|s| parse_retry_after(s, std::time::SystemTime::now()))
                    .unwrap_or(self.config.idle_wait)
                    .min(self.config.max_retry_after);
                if let Some(next) = self.next_link(&headers, &url) {
                    // Nothing was returned, so everything before the link's position is
                    // handled: keep it, so that a restart after `latest=true` or `seek`
                    // does not jump again.
                    if let Some(since) = since_of(&next) {
                        self.commit(&since).await?;
                    }
                    self.next = Some(next);
                } else {
                    self.next = Some(url);
                }
                Ok(Polled::Empty { retry_after })
            }
            StatusCode::GONE => {
                let to = self.config.reset_policy;
                tracing::warn!(
                    url = %url,
                    position = self.committed.as_deref().unwrap_or(""),
                    reset_to = ?to,
                    "journal position expired (410 Gone): resetting; events in between are lost"
                );
                self.next = Some(match to {
                    OnGone::Oldest => self.url_with(None),
                    OnGone::Latest => self.url_with(Some(("latest", "true"))),
                });
                Ok(Polled::Reset { to })
            }
            other => Err(JournalError::Status {
                status: other.as_u16(),
                body: String::from_utf8_lossy(&body[..body.len().min(512)]).into_owned(),
            }),
        }
    }

    /// Commits `done` (the last event handled on the page requested from `url`) and returns
    /// where to resume: right after it, or the same request again when nothing on the page
    /// was handled (so that a page reached by `seek` is read again, not the oldest events).
    async fn resume_url(&mut self, url: &Url, done: Option<&str>) -> Result<Url, JournalError> {
        match done {
            Some(p) => {
                self.commit(p).await?;
                Ok(self.since_url(Some(p)))
            }
            None => Ok(url.clone()),
        }
    }

    async fn handle_page(
        &mut self,
        url: &Url,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Polled, JournalError> {
        let page: Page =
            serde_json::from_slice(body).map_err(|e| JournalError::Page(e.to_string()))?;
        let next = self.next_link(headers, url);
        let (mut handled, mut duplicates, mut skipped) = (0, 0, 0);
        let mut done: Option<&str> = None;
        let mut interrupted = false;
        for entry in &page.events {
            if *self.stop.borrow() {
                interrupted = true;
                break;
            }
            let failure = match self.handle(&entry.event, &entry.position).await {
                Step::Done(Outcome::Handled) => {
                    handled += 1;
                    None
                }
                Step::Done(Outcome::Duplicate) => {
                    duplicates += 1;
                    None
                }
                Step::Done(Outcome::Retry(reason)) => Some((true, reason)),
                Step::Done(Outcome::Rejected(e)) => Some((false, e.to_string())),
                Step::Mismatch(reason) | Step::Invalid(reason) => Some((false, reason)),
            };
            if let Some((retryable, reason)) = failure {
                if !retryable && self.config.on_rejected == OnRejected::Skip {
                    tracing::warn!(position = %entry.position, reason = %reason, "skipping a journal event that cannot be handled");
                    skipped += 1;
                } else {
                    // Keep what was done, then resume right after it; with nothing done,
                    // handle this same page again rather than asking for it again.
                    if done.is_none() && retryable {
                        self.replay = Some((url.clone(), headers.clone(), body.to_vec()));
                    }
                    self.next = Some(self.resume_url(url, done).await?);
                    let position = entry.position.clone();
                    return Err(if retryable {
                        JournalError::Retry { position, reason }
                    } else {
                        JournalError::Rejected { position, reason }
                    });
                }
            }
            done = Some(&entry.position);
        }
        if interrupted {
            self.next = Some(self.resume_url(url, done).await?);
        } else if let Some(next) = next {
            if let Some(p) = done {
                self.commit(p).await?;
            }
            if page.events.is_empty() {
                if let Some(since) = since_of(&next) {
                    self.commit(&since).await?;
                }
            }
            self.next = Some(next);
        } else if let Some(p) = done {
            self.commit(p).await?;
            self.next = Some(self.since_url(Some(p)));
        } else {
            self.next = Some(url.clone());
        }
        Ok(Polled::Page {
            events: page.events.len(),
            handled,
            duplicates,
            skipped,
        })
    }

    /// Polls until `shutdown` completes or a non-transient error happens (returned).
    /// Transient errors are logged and retried after a [`Backoff`]; a 204 waits its
    /// `retry-after`. On shutdown, the event being handled is finished and the position
    /// committed before this returns.
    pub async fn run<F: Future<Output = ()>>(&mut self, shutdown: F) -> Result<(), JournalError> {
        let mut shutdown = std::pin::pin!(shutdown);
        self.stop.send_replace(false);
        let stop = self.stop.clone();
        let mut stopping = false;
        loop {
            let result = {
                let mut poll = std::pin::pin!(self.poll_once());
                loop {
                    tokio::select! {
                        r = &mut poll => break r,
                        () = &mut shutdown, if !stopping => {
                            stopping = true;
                            stop.send_replace(true);
                        }
                    }
                }
            };
            if stopping {
                return match result {
                    Err(e) if !e.is_transient() => Err(e),
                    _ => Ok(()),
                };
            }
            let wait = match result {
                Ok(polled) => {
                    self.failures = 0;
                    match polled {
                        Polled::Page { events: 0, .. } => self.config.idle_wait,
                        Polled::Page { .. } | Polled::Reset { .. } | Polled::Stopped => {
                            Duration::ZERO
                        }
                        Polled::Empty { retry_after } => retry_after,
                    }
                }
                Err(e) if e.is_transient() => {
                    self.failures = self.failures.saturating_add(1);
                    let delay = self.config.backoff.delay(self.failures);
                    tracing::warn!(
                        error = %e,
                        failures = self.failures,
                        delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                        "journal poll failed; backing off"
                    );
                    delay
                }
                Err(e) => {
                    tracing::error!(error = %e, "journal poller stops");
                    return Err(e);
                }
            };
            if !wait.is_zero() {
                tokio::select! {
                    () = &mut shutdown => return Ok(()),
                    () = tokio::time::sleep(wait) => {}
                }
            }
        }
    }
}

/// The `since` query parameter of a URL.
fn since_of(url: &Url) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == "since")
        .map(|(_, v)| v.into_owned())
        .filter(|v| !v.is_empty())
}

/// The target of the first link with relation `next` in `Link` header values
/// (`<target>; rel="next", <other>; rel="validate"`).
pub(crate) fn next_link_target<'a>(values: impl Iterator<Item = &'a str>) -> Option<String> {
    for value in values {
        let mut rest = value;
        while let Some(start) = rest.find('<') {
            let Some(len) = rest[start + 1..].find('>') else {
                break;
            };
            let target = &rest[start + 1..start + 1 + len];
            let after = &rest[start + 2 + len..];
            let params_end = after.find('<').unwrap_or(after.len());
            let is_next = after[..params_end].split(';').any(|p| {
                p.split_once('=').is_some_and(|(k, v)| {
                    k.trim().eq_ignore_ascii_case("rel")
                        && v.trim()
                            .trim_end_matches(',')
                            .trim()
                            .trim_matches('"')
                            .split_ascii_whitespace()
                            .any(|r| r.eq_ignore_ascii_case("next"))
                })
            });
            if is_next {
                return Some(target.trim().to_owned());
            }
            rest = &after[params_end..];
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_headers() {
        let v = [r#"</a?since=1>; rel="next", </a/validate?since=1>; rel="validate""#];
        assert_eq!(
            next_link_target(v.into_iter()).as_deref(),
            Some("/a?since=1")
        );
        let v = [r#"</v>; rel="validate""#, r#"</n>;rel=next"#];
        assert_eq!(next_link_target(v.into_iter()).as_deref(), Some("/n"));
        let v = [r#"</x>; rel="prev next""#];
        assert_eq!(next_link_target(v.into_iter()).as_deref(), Some("/x"));
        let v = [r#"</x>; rel="validate""#, "<broken", "garbage", ""];
        assert_eq!(next_link_target(v.into_iter()), None);
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let b = Backoff {
            initial: Duration::from_millis(100),
            max: Duration::from_secs(1),
            jitter: 0.0,
        };
        assert_eq!(b.delay(1), Duration::from_millis(100));
        assert_eq!(b.delay(2), Duration::from_millis(200));
        assert_eq!(b.delay(4), Duration::from_millis(800));
        assert_eq!(b.delay(5), Duration::from_secs(1));
        assert_eq!(b.delay(u32::MAX), Duration::from_secs(1));
        let j = Backoff { jitter: 0.5, ..b };
        for n in 1..10 {
            let d = j.delay(n);
            assert!(d <= b.delay(n) && d >= b.delay(n) / 2, "{d:?}");
        }
        let huge = Backoff {
            initial: Duration::MAX,
            max: Duration::MAX,
            jitter: f64::NAN,
        };
        assert_eq!(huge.delay(3), Duration::MAX);
    }

    #[test]
    fn config_checks() {
        let c = JournalConfig::new(
            "https://events-va6.adobe.io/organizations/1/integrations/2/3",
            "key",
            "ORG@AdobeOrg",
            Arc::new(StaticToken("t".into())),
        );
        assert!(c.validate().is_ok());
        let mut bad = c.clone();
        bad.start = Start::Seek("PT1H".into());
        assert!(bad.validate().is_err());
        bad.start = Start::Seek("-PT1H".into());
        assert!(bad.validate().is_ok());
        bad.start = Start::Seek("-P&x=1".into());
        assert!(bad.validate().is_err());
        let mut bad = c.clone();
        bad.url = "ftp://x".into();
        assert!(bad.validate().is_err());
        let mut bad = c;
        bad.limit = Some(0);
        assert!(bad.validate().is_err());
        assert!(!format!("{bad:?}").contains("\"t\""));
    }

    #[tokio::test]
    async fn file_position_store_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let store = FilePositionStore::new(dir.path().join("pos.json"));
        assert_eq!(store.load().await.unwrap(), None);
        store.commit("camel:1").await.unwrap();
        store.commit("moose:2").await.unwrap();
        assert_eq!(store.load().await.unwrap().as_deref(), Some("moose:2"));
        // No temporary files are left behind.
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["pos.json"]);
        std::fs::write(dir.path().join("pos.json"), b"{torn").unwrap();
        assert!(matches!(store.load().await, Err(PositionError::Corrupt(_))));
        let missing = FilePositionStore::new(dir.path().join("no/such/dir/pos.json"));
        assert!(missing.commit("x").await.is_err());
    }
}

/// `Retry-After` (RFC 9110): delay-seconds, or an HTTP-date (IMF-fixdate, e.g.
/// `Sun, 06 Nov 1994 08:49:37 GMT`) turned into the time left from `now` (zero if past).
fn parse_retry_after(value: &str, now: std::time::SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = http_date_to_unix(value)?;
    let now = now.duration_since(std::time::UNIX_EPOCH).ok()?.as_secs() as i64;
    Some(Duration::from_secs(at.saturating_sub(now).max(0) as u64))
}

fn http_date_to_unix(s: &str) -> Option<i64> {
    // "Sun, 06 Nov 1994 08:49:37 GMT"
    let rest = s.split_once(", ")?.1;
    let mut parts = rest.split(' ');
    let day: i64 = parts.next()?.parse().ok()?;
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .iter()
    .position(|m| Some(*m) == parts.clone().next())? as i64
        + 1;
    parts.next();
    let year: i64 = parts.next()?.parse().ok()?;
    let mut hms = parts.next()?.split(':').map(|x| x.parse::<i64>().ok());
    let (h, mi, se) = (hms.next()??, hms.next()??, hms.next()??);
    if parts.next()? != "GMT" || !(1..=31).contains(&day) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let (y, m) = if month <= 2 {
        (year - 1, month + 9)
    } else {
        (year, month - 3)
    };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + h * 3600 + mi * 60 + se)
}

#[cfg(test)]
mod retry_after_tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn seconds_and_http_dates() {
        let now = UNIX_EPOCH + Duration::from_secs(784_111_777); // Sun, 06 Nov 1994 08:49:37 GMT
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:50:07 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(
            http_date_to_unix("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(784_111_777)
        );
    }
}
