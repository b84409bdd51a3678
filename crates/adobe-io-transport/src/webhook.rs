//! The webhook receiver: an axum [`Router`] that answers Adobe's registration checks,
//! verifies every event delivery and feeds each event to a generated router.
//!
//! Status codes follow Adobe's retry rules: 2xx only once every event of the request was
//! handled (or was a duplicate of a handled one); 503 or 429 when a new delivery may succeed
//! (a handler failed or timed out, a key could not be fetched, too many deliveries at once),
//! so Adobe retries; 4xx for what can never succeed (400 unparseable, 401 bad or missing
//! signature, 403 recipient mismatch, 413 too large, and by default 422 for an event the
//! router has no message for). A batch is answered as a whole: if any of its events is worth
//! a retry, the whole batch is retried, so handlers must be idempotent (duplicates of events
//! that already succeeded are acknowledged without calling the handler).

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use asyncapi_runtime::{Dispatch, Headers};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tracing::Instrument;

use crate::ConfigError;
use crate::dedup::{DedupStore, MemoryDedupStore};
use crate::envelope::{self, EnvelopeError, Limits};
use crate::process::{Outcome, process};
use crate::signature::{self, FetchSettings, KeyFetcher, Verdict};

/// Default path the receiver is mounted at.
pub const DEFAULT_PATH: &str = "/webhook";
/// Default time the handlers of one request may take: Adobe waits 10 s in all.
pub const DEFAULT_HANDLER_TIMEOUT: Duration = Duration::from_secs(8);
/// Default time one whole request may take.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_millis(9_500);

/// How deliveries are authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Verification {
    /// Adobe's RSA digital signatures (`x-adobe-digital-signature-1/2`); the default.
    #[default]
    Signatures,
    /// No verification at all, for local development only: every request is logged with a
    /// warning. Never use it on a reachable endpoint.
    Disabled,
}

/// What to answer when an event can never be handled: the router has no message for it,
/// or its payload or headers do not fit the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnUnhandled {
    /// Answer this 4xx status: Adobe will not deliver the event again.
    Reject(StatusCode),
    /// Answer 200 and drop the event (it is logged).
    Acknowledge,
}

impl Default for OnUnhandled {
    fn default() -> Self {
        OnUnhandled::Reject(StatusCode::UNPROCESSABLE_ENTITY)
    }
}

/// Settings of the webhook receiver. Build with [`WebhookConfig::new`] and change fields.
#[derive(Clone)]
pub struct WebhookConfig {
    /// Path the receiver answers at (default `/webhook`).
    pub path: String,
    /// Your client id (API key): every event's recipient client id must equal it.
    pub client_id: String,
    /// How deliveries are authenticated (default: digital signatures).
    pub verification: Verification,
    /// Origin public keys are fetched from (default `https://static.adobeioevents.com`).
    /// Key paths from requests are appended to it and may not change it.
    pub key_host: String,
    /// How long a fetched key is kept (default and at most 24 h).
    pub key_cache_ttl: Duration,
    /// Attempts to fetch a key on transient errors (default 3).
    pub key_fetch_attempts: u32,
    /// Time limit of one key fetch attempt (default 2 s).
    pub key_fetch_timeout: Duration,
    /// Wait before the second fetch attempt, doubled for each later one (default 100 ms).
    pub key_fetch_backoff: Duration,
    /// Client secret for the deprecated `x-adobe-signature` HMAC. When set, a request whose
    /// HMAC verifies is accepted too. Off (`None`) by default.
    pub legacy_hmac_secret: Option<String>,
    /// Where handled event ids are remembered (default: [`MemoryDedupStore::default`]).
    pub dedup: Arc<dyn DedupStore>,
    /// Time the handlers of one request may take in all (default 8 s); past it the answer
    /// is 503 and Adobe retries.
    pub handler_timeout: Duration,
    /// Time one whole request may take, body upload and key fetch included (default 9.5 s);
    /// past it the answer is 503.
    pub request_timeout: Duration,
    /// Largest body accepted (default 2 MiB); larger gets 413.
    pub max_body_bytes: usize,
    /// Largest number of events in a batch (default 20); more gets 413.
    pub max_batch_events: usize,
    /// Event deliveries handled at once; more are answered 429 (default 256).
    pub max_in_flight: usize,
    /// What to answer for an event that can never be handled (default 422).
    pub on_unhandled: OnUnhandled,
}

impl fmt::Debug for WebhookConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookConfig")
            .field("path", &self.path)
            .field("client_id", &self.client_id)
            .field("verification", &self.verification)
            .field("key_host", &self.key_host)
            .field("key_cache_ttl", &self.key_cache_ttl)
            .field("key_fetch_attempts", &self.key_fetch_attempts)
            .field("key_fetch_timeout", &self.key_fetch_timeout)
            .field("key_fetch_backoff", &self.key_fetch_backoff)
            .field(
                "legacy_hmac_secret",
                &self.legacy_hmac_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("handler_timeout", &self.handler_timeout)
            .field("request_timeout", &self.request_timeout)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("max_batch_events", &self.max_batch_events)
            .field("max_in_flight", &self.max_in_flight)
            .field("on_unhandled", &self.on_unhandled)
            .finish_non_exhaustive()
    }
}

impl WebhookConfig {
    /// The default settings for the credential whose client id is `client_id`.
    pub fn new(client_id: impl Into<String>) -> Self {
        WebhookConfig {
            path: DEFAULT_PATH.to_owned(),
            client_id: client_id.into(),
            verification: Verification::Signatures,
            key_host: signature::DEFAULT_KEY_HOST.to_owned(),
            key_cache_ttl: signature::MAX_KEY_TTL,
            key_fetch_attempts: 3,
            key_fetch_timeout: Duration::from_secs(2),
            key_fetch_backoff: Duration::from_millis(100),
            legacy_hmac_secret: None,
            dedup: Arc::new(MemoryDedupStore::default()),
            handler_timeout: DEFAULT_HANDLER_TIMEOUT,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            max_body_bytes: envelope::DEFAULT_MAX_BODY_BYTES,
            max_batch_events: envelope::DEFAULT_MAX_BATCH_EVENTS,
            max_in_flight: 256,
            on_unhandled: OnUnhandled::default(),
        }
    }

    /// Checks the settings. [`router`] works with invalid settings too (it logs an error and
    /// then refuses what it cannot check), but callers should check first.
    pub fn validate(&self) -> Result<(), ConfigError> {
        check_path(&self.path)?;
        if self.client_id.trim().is_empty() {
            return Err(ConfigError("client_id is empty".to_owned()));
        }
        if self.verification == Verification::Signatures {
            signature::parse_key_host(&self.key_host).map_err(ConfigError)?;
        }
        if self.handler_timeout.is_zero() || self.request_timeout.is_zero() {
            return Err(ConfigError("timeouts must be positive".to_owned()));
        }
        if self.max_body_bytes == 0 || self.max_batch_events == 0 || self.max_in_flight == 0 {
            return Err(ConfigError(
                "max_body_bytes, max_batch_events and max_in_flight must be positive".to_owned(),
            ));
        }
        if let OnUnhandled::Reject(status) = self.on_unhandled {
            if !status.is_client_error() {
                return Err(ConfigError(format!(
                    "on_unhandled must reject with a 4xx status, not {status}"
                )));
            }
        }
        Ok(())
    }
}

fn check_path(path: &str) -> Result<(), ConfigError> {
    let ok = path.starts_with('/')
        && !path.contains("//")
        && path
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'_' | b'.' | b'-' | b'~'));
    if ok {
        Ok(())
    } else {
        Err(ConfigError(format!(
            "path `{path}` must start with `/` and hold only `A-Za-z0-9/_.-~`"
        )))
    }
}

struct Shared {
    client_id: String,
    verification: Verification,
    fetcher: Result<KeyFetcher, String>,
    hmac_secret: Option<Vec<u8>>,
    dedup: Arc<dyn DedupStore>,
    handler_timeout: Duration,
    limits: Limits,
    in_flight: Arc<Semaphore>,
    on_unhandled: OnUnhandled,
}

struct AppState<D> {
    dispatcher: Arc<D>,
    shared: Arc<Shared>,
}

impl<D> Clone for AppState<D> {
    fn clone(&self) -> Self {
        AppState {
            dispatcher: self.dispatcher.clone(),
            shared: self.shared.clone(),
        }
    }
}

/// The webhook receiver, mounted at `config.path`: `GET ?challenge=` answers Adobe's
/// registration check, `POST` takes event deliveries and validation requests.
///
/// Invalid settings (see [`WebhookConfig::validate`]) are logged as errors: an invalid path
/// falls back to `/webhook`, an invalid key host makes every signed delivery fail with 500,
/// an invalid rejection status becomes 422.
pub fn router<D: Dispatch + 'static>(dispatcher: Arc<D>, config: WebhookConfig) -> Router {
    if let Err(e) = config.validate() {
        tracing::error!(error = %e, "invalid webhook configuration");
    }
    let path = match check_path(&config.path) {
        Ok(()) => config.path.clone(),
        Err(_) => DEFAULT_PATH.to_owned(),
    };
    if config.verification == Verification::Disabled {
        tracing::warn!(
            "webhook signature verification is DISABLED: use this for local development only"
        );
    }
    let fetcher = KeyFetcher::new(
        &config.key_host,
        &FetchSettings {
            ttl: config.key_cache_ttl,
            attempts: config.key_fetch_attempts,
            timeout: config.key_fetch_timeout,
            backoff: config.key_fetch_backoff,
        },
    );
    let on_unhandled = match config.on_unhandled {
        OnUnhandled::Reject(s) if !s.is_client_error() => OnUnhandled::default(),
        other => other,
    };
    let shared = Shared {
        client_id: config.client_id,
        verification: config.verification,
        fetcher,
        hmac_secret: config.legacy_hmac_secret.map(String::into_bytes),
        dedup: config.dedup,
        handler_timeout: config.handler_timeout,
        limits: Limits {
            max_events: config.max_batch_events.max(1),
            max_bytes: config.max_body_bytes,
        },
        in_flight: Arc::new(Semaphore::new(
            config.max_in_flight.clamp(1, Semaphore::MAX_PERMITS),
        )),
        on_unhandled,
    };
    let state = AppState {
        dispatcher,
        shared: Arc::new(shared),
    };
    Router::new()
        .route(&path, get(challenge).post(deliver::<D>))
        .with_state(state)
        .layer(DefaultBodyLimit::disable())
        .layer(RequestBodyLimitLayer::new(config.max_body_bytes))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            config.request_timeout,
        ))
}

/// Serves `router` on `listener` until `shutdown` completes; then stops accepting
/// connections and returns once the requests in flight are answered.
pub async fn serve<F>(listener: TcpListener, router: Router, shutdown: F) -> std::io::Result<()>
where
    F: Future<Output = ()> + Send + 'static,
{
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
}

fn reply(status: StatusCode, message: impl Into<String>) -> Response {
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        )],
        message.into(),
    )
        .into_response()
}

const MAX_CHALLENGE_LEN: usize = 4096;

async fn challenge(headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    let value = query.as_deref().and_then(|q| {
        url::form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == "challenge")
            .map(|(_, v)| v.into_owned())
    });
    let Some(value) = value else {
        return reply(
            StatusCode::BAD_REQUEST,
            "missing `challenge` query parameter",
        );
    };
    if value.len() > MAX_CHALLENGE_LEN {
        return reply(StatusCode::BAD_REQUEST, "challenge too long");
    }
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok());
    tracing::info!("answering an Adobe I/O Events registration challenge");
    let nosniff = (
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if prefers_text(accept) {
        (
            StatusCode::OK,
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/plain; charset=utf-8"),
                ),
                nosniff,
            ],
            value,
        )
            .into_response()
    } else {
        (
            StatusCode::OK,
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                ),
                nosniff,
            ],
            serde_json::json!({ "challenge": value }).to_string(),
        )
            .into_response()
    }
}

/// Whether an `Accept` header prefers `text/plain` to `application/json`. Without one, or
/// on a tie, JSON wins.
pub(crate) fn prefers_text(accept: Option<&str>) -> bool {
    let Some(accept) = accept else {
        return false;
    };
    let quality = |ty: &str, sub: &str| -> f32 {
        let mut best: Option<(u8, f32)> = None;
        for range in accept.split(',') {
            let mut parts = range.split(';');
            let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let Some((t, s)) = media.split_once('/') else {
                continue;
            };
            let specificity = if t == ty && s == sub {
                2
            } else if t == ty && s == "*" {
                1
            } else if t == "*" && s == "*" {
                0
            } else {
                continue;
            };
            let q = parts
                .filter_map(|p| {
                    let (k, v) = p.split_once('=')?;
                    k.trim()
                        .eq_ignore_ascii_case("q")
                        .then(|| v.trim().parse::<f32>().ok())?
                })
                .next()
                .unwrap_or(1.0);
            let q = if q.is_finite() {
                q.clamp(0.0, 1.0)
            } else {
                0.0
            };
            if best.is_none_or(|(b, _)| specificity > b) {
                best = Some((specificity, q));
            }
        }
        best.map_or(0.0, |(_, q)| q)
    };
    quality("text", "plain") > quality("application", "json")
}

fn to_headers(map: &HeaderMap) -> Headers {
    map.iter()
        .map(|(n, v)| {
            (
                n.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}

fn header_str(map: &HeaderMap, name: &str) -> Option<String> {
    map.get(name)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
}

async fn deliver<D: Dispatch + 'static>(
    State(state): State<AppState<D>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let span = tracing::info_span!(
        "adobe_io_delivery",
        delivery_id = header_str(&headers, "x-adobe-delivery-id").unwrap_or_default(),
        request_id = header_str(&headers, "x-request-id").unwrap_or_default(),
        retry_count = header_str(&headers, "x-adobe-retry-count").unwrap_or_default(),
    );
    handle_delivery(state, headers, body).instrument(span).await
}

fn validation_url(p: &crate::probe::Probe) -> Option<&str> {
    if p.has_event_id || p.has_event || p.specversion {
        return None;
    }
    p.validation_url.as_deref()
}

async fn check_signatures(
    shared: &Shared,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(), Response> {
    if shared.verification == Verification::Disabled {
        tracing::warn!("signature verification is disabled: accepting an unverified request");
        return Ok(());
    }
    let fetcher = match &shared.fetcher {
        Ok(f) => f,
        Err(e) => {
            tracing::error!(error = %e, "cannot verify signatures: invalid key host");
            return Err(reply(
                StatusCode::INTERNAL_SERVER_ERROR,
                "signature verification is misconfigured",
            ));
        }
    };
    match signature::verify_request(
        fetcher,
        shared.hmac_secret.as_deref(),
        |name| header_str(headers, name),
        body,
    )
    .await
    {
        Verdict::Valid => Ok(()),
        Verdict::Invalid(why) => {
            tracing::warn!(reason = %why, "refusing a delivery whose signature does not verify");
            Err(reply(
                StatusCode::UNAUTHORIZED,
                "invalid or missing signature",
            ))
        }
        Verdict::Unavailable(why) => {
            tracing::warn!(reason = %why, "cannot verify a delivery now: public key unavailable");
            Err(reply(
                StatusCode::SERVICE_UNAVAILABLE,
                "public key temporarily unavailable",
            ))
        }
    }
}

async fn handle_validation(
    shared: &Shared,
    headers: &HeaderMap,
    body: &[u8],
    url: &str,
) -> Response {
    let signed = [
        signature::HEADER_SIGNATURE_1,
        signature::HEADER_SIGNATURE_2,
        signature::HEADER_LEGACY_SIGNATURE,
    ]
    .iter()
    .any(|h| headers.contains_key(*h));
    // Adobe does not document whether this request is signed: check the signature when
    // there is one, and say so in the log when there is none.
    if signed {
        if let Err(resp) = check_signatures(shared, headers, body).await {
            return resp;
        }
    }
    let adobe_host = url::Url::parse(url).ok().is_some_and(|u| {
        u.scheme() == "https"
            && u.host_str()
                .is_some_and(|h| h == "adobe.io" || h.ends_with(".adobe.io"))
    });
    tracing::warn!(
        validation_url = %url,
        signed,
        adobe_host,
        "ACTION REQUIRED: Adobe I/O Events asks to validate this webhook. Open (GET) the \
         validation URL within 5 minutes, or the event registration will be disabled. \
         Check first that it is an https://*.adobe.io URL you expect."
    );
    reply(StatusCode::OK, "validation URL received")
}

async fn handle_delivery<D: Dispatch + 'static>(
    state: AppState<D>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let shared = &*state.shared;
    let Ok(_permit) = shared.in_flight.clone().try_acquire_owned() else {
        tracing::warn!("too many deliveries in progress: answering 429");
        return reply(
            StatusCode::TOO_MANY_REQUESTS,
            "too many deliveries in progress",
        );
    };
    // The body is read once, for the fields that say what it is; the router decodes each
    // event from its bytes.
    let parsed = crate::probe::shape(&body);
    if let Ok(crate::probe::Shape::Object(probe)) = &parsed {
        if let Some(url) = validation_url(probe) {
            return handle_validation(shared, &headers, &body, url).await;
        }
    }
    if let Err(resp) = check_signatures(shared, &headers, &body).await {
        return resp;
    }
    let value = match parsed {
        Ok(v) => v,
        Err(e) => {
            tracing::warn!(error = %e, "refusing a delivery that is not JSON");
            return reply(
                StatusCode::BAD_REQUEST,
                format!("body is not valid JSON: {e}"),
            );
        }
    };
    let request_headers = to_headers(&headers);
    let delivery = match envelope::parse_shape(value, &body, &request_headers, &shared.limits) {
        Ok(d) => d,
        Err(e) => {
            tracing::warn!(error = %e, "refusing a delivery that is not an event or batch");
            let status = match e {
                EnvelopeError::TooLarge { .. } | EnvelopeError::TooManyEvents { .. } => {
                    StatusCode::PAYLOAD_TOO_LARGE
                }
                _ => StatusCode::BAD_REQUEST,
            };
            return reply(status, e.to_string());
        }
    };
    // As Adobe's SDK does, an event that names no recipient is refused like one that names
    // another: nothing shows it is meant for this client id. (Adobe's published samples of
    // some providers, e.g. the Imaging API's Lightroom job events, have no recipient.)
    for (index, event) in delivery.events.iter().enumerate() {
        match event.recipient_client_id.as_deref() {
            Some(r) if r == shared.client_id => {}
            Some(r) => {
                tracing::warn!(
                    index,
                    event_id = event.event_id.as_deref().unwrap_or(""),
                    recipient = r,
                    "refusing a delivery: an event is not addressed to this client id"
                );
                return reply(StatusCode::FORBIDDEN, "recipient client id mismatch");
            }
            None => {
                tracing::warn!(
                    index,
                    event_id = event.event_id.as_deref().unwrap_or(""),
                    "refusing a delivery: an event names no recipient client id \
                     (`recipient_client_id` / `recipientclientid`), so nothing shows it is \
                     meant for this client id"
                );
                return reply(StatusCode::FORBIDDEN, "recipient client id missing");
            }
        }
    }
    let content_type = header_str(&headers, "content-type");
    let content_type = content_type.as_deref().or(Some("application/json"));
    let dispatcher = &*state.dispatcher;
    let work = async {
        let mut outcomes = Vec::with_capacity(delivery.events.len());
        for event in &delivery.events {
            let outcome = process(
                dispatcher,
                &shared.dedup,
                event.event_id.as_deref(),
                event,
                content_type,
            )
            .await;
            outcomes.push(outcome);
        }
        outcomes
    };
    let Ok(outcomes) = tokio::time::timeout(shared.handler_timeout, work).await else {
        tracing::warn!(
            timeout_ms = u64::try_from(shared.handler_timeout.as_millis()).unwrap_or(u64::MAX),
            "handlers timed out: asking Adobe to retry"
        );
        return reply(StatusCode::SERVICE_UNAVAILABLE, "handler timed out");
    };
    summarize(&outcomes, shared.on_unhandled)
}

fn summarize(outcomes: &[Outcome], on_unhandled: OnUnhandled) -> Response {
    let mut handled = 0;
    let mut duplicates = 0;
    let mut retry = Vec::new();
    let mut rejected = Vec::new();
    for o in outcomes {
        match o {
            Outcome::Handled => handled += 1,
            Outcome::Duplicate => duplicates += 1,
            Outcome::Retry(why) => retry.push(why.as_str()),
            Outcome::Rejected(e) => rejected.push(e.to_string()),
        }
    }
    if !retry.is_empty() {
        return reply(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("{} event(s) failed and should be retried", retry.len()),
        );
    }
    if !rejected.is_empty() {
        return match on_unhandled {
            OnUnhandled::Reject(status) => reply(
                status,
                format!(
                    "{} event(s) cannot be handled: {}",
                    rejected.len(),
                    rejected.join("; ")
                ),
            ),
            OnUnhandled::Acknowledge => {
                tracing::warn!(
                    dropped = rejected.len(),
                    "acknowledging events that cannot be handled; they are dropped"
                );
                reply(
                    StatusCode::OK,
                    format!(
                        "handled {handled}, duplicates {duplicates}, dropped {}",
                        rejected.len()
                    ),
                )
            }
        };
    }
    reply(
        StatusCode::OK,
        format!("handled {handled}, duplicates {duplicates}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_negotiation() {
        assert!(!prefers_text(None));
        assert!(!prefers_text(Some("application/json")));
        assert!(!prefers_text(Some("*/*")));
        assert!(!prefers_text(Some("text/plain, application/json")));
        assert!(prefers_text(Some("text/plain")));
        assert!(prefers_text(Some("text/*")));
        assert!(prefers_text(Some("application/json;q=0.5, text/plain")));
        assert!(prefers_text(Some("text/plain; Q=0.9, */*;q=0.1")));
        assert!(!prefers_text(Some("text/plain;q=0.1, application/*")));
        assert!(!prefers_text(Some("image/png")));
        assert!(!prefers_text(Some("text/plain;q=NaN")));
        assert!(!prefers_text(Some(";;,/,text")));
    }

    struct Nothing;

    impl Dispatch for Nothing {
        async fn dispatch<'a>(
            &'a self,
            _incoming: asyncapi_runtime::Incoming<'a>,
        ) -> Result<asyncapi_runtime::Dispatched, asyncapi_runtime::DispatchError> {
            Err(asyncapi_runtime::DispatchError::UnknownChannel {
                address: String::new(),
            })
        }
    }

    #[tokio::test]
    async fn invalid_or_extreme_settings_do_not_panic() {
        let mut c = WebhookConfig::new("");
        c.path = "/{broken".into();
        c.key_host = "not a url".into();
        c.max_in_flight = usize::MAX;
        c.max_batch_events = 0;
        c.max_body_bytes = usize::MAX;
        c.handler_timeout = Duration::MAX;
        c.request_timeout = Duration::MAX;
        c.key_cache_ttl = Duration::MAX;
        c.on_unhandled = OnUnhandled::Reject(StatusCode::OK);
        assert!(c.validate().is_err());
        let _router = router(Arc::new(Nothing), c);
        let store = MemoryDedupStore::new(usize::MAX, Duration::MAX);
        assert_eq!(
            store.claim("a").await.unwrap(),
            crate::dedup::Claim::Claimed
        );
    }

    #[test]
    fn config_validation() {
        let c = WebhookConfig::new("me");
        assert!(c.validate().is_ok());
        let mut bad = c.clone();
        bad.path = "webhook".into();
        assert!(bad.validate().is_err());
        let mut bad = c.clone();
        bad.path = "/a/{x}".into();
        assert!(bad.validate().is_err());
        let mut bad = c.clone();
        bad.client_id = " ".into();
        assert!(bad.validate().is_err());
        let mut bad = c.clone();
        bad.on_unhandled = OnUnhandled::Reject(StatusCode::OK);
        assert!(bad.validate().is_err());
        let mut bad = c;
        bad.key_host = "https://evil.example/x".into();
        assert!(bad.validate().is_err());
        bad.legacy_hmac_secret = Some("s".into());
        assert!(format!("{bad:?}").contains("<redacted>"));
    }
}
