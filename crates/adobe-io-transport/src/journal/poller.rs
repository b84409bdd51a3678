//! The poller: one journal request per poll, its page handled event by event.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use asyncapi_runtime::Dispatch;
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, LINK, RETRY_AFTER};
use serde::Deserialize;
use serde_json::Value;
use tokio::sync::watch;
use url::Url;

use super::headers::{next_link_target, parse_retry_after, since_of};
use super::lease::{LeaseKeeper, Standing};
use super::{JournalConfig, JournalError, OnGone, OnRejected, PositionError, PositionStore, Start};
use crate::ConfigError;
use crate::envelope;
use crate::process::{Outcome, process};

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
    /// Another poller holds the registration's [`Lease`](super::Lease): nothing was
    /// requested; poll again later to take over when it lapses.
    Standby,
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
    /// The registration's lease, when the configuration has one.
    lease: Option<LeaseKeeper>,
    /// Resume from the stored position, whatever `start` says: set when the lease was
    /// taken over from another poller.
    resume_stored: bool,
    /// The end of a handled page whose commit failed (the store was unreachable): committed
    /// before the next request.
    uncommitted: Option<String>,
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
        let lease = config.lease.clone().map(LeaseKeeper::new);
        Ok(JournalPoller {
            lease,
            resume_stored: false,
            uncommitted: None,
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
        if self.resume_stored && self.committed.is_some() {
            return self.since_url(self.committed.as_deref());
        }
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
        match self.positions.commit(position).await {
            Ok(()) => {}
            Err(PositionError::Fenced(why)) => {
                tracing::warn!(position, reason = %why, "journal position not committed: this poller no longer holds the lease");
                self.lose_lease();
                return Err(JournalError::LeaseLost);
            }
            Err(e) => return Err(e.into()),
        }
        self.committed = Some(position.to_owned());
        tracing::debug!(position, "journal position committed");
        Ok(())
    }

    /// Commits the end of a handled page. When the store is unreachable, the position is
    /// kept to be committed before anything else is read (then `resume` is requested), so
    /// the page is not handled again.
    async fn commit_page(&mut self, position: &str, resume: &Url) -> Result<(), JournalError> {
        match self.commit(position).await {
            Err(e) if e.is_transient() && !matches!(e, JournalError::LeaseLost) => {
                self.uncommitted = Some(position.to_owned());
                self.next = Some(resume.clone());
                Err(e)
            }
            other => other,
        }
    }

    /// Forgets everything read since the last commit: another poller may have moved on.
    fn take_over(&mut self) {
        self.loaded = false;
        self.next = None;
        self.replay = None;
        self.resume_stored = true;
    }

    fn lose_lease(&mut self) {
        if let Some(keeper) = self.lease.as_mut() {
            keeper.lose();
        }
        self.take_over();
    }

    /// Before each event of a page: the lease must still be this poller's, without a gap.
    async fn keep_lease_mid_page(&mut self) -> Result<(), JournalError> {
        let Some(keeper) = self.lease.as_mut() else {
            return Ok(());
        };
        match keeper.keep().await {
            Ok(Standing::Held | Standing::First) => Ok(()),
            Ok(Standing::Regained) => {
                // It had lapsed: someone may have handled these events meanwhile.
                self.take_over();
                Err(JournalError::LeaseLost)
            }
            Ok(Standing::NotHeld) => {
                self.lose_lease();
                Err(JournalError::LeaseLost)
            }
            Err(e) => {
                self.lose_lease();
                Err(e)
            }
        }
    }

    async fn release_lease(&mut self) {
        if let Some(keeper) = self.lease.as_mut() {
            keeper.release().await;
        }
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
        if let Some(keeper) = self.lease.as_mut() {
            match keeper.keep().await? {
                Standing::NotHeld => return Ok(Polled::Standby),
                Standing::Regained => self.take_over(),
                Standing::First | Standing::Held => {}
            }
        }
        if !self.loaded {
            let stored = self.positions.load().await?;
            match (stored, self.committed.clone()) {
                (None, Some(committed)) => {
                    // The store lost what this poller committed (e.g. a Redis restarted
                    // without persistence): put it back rather than start over.
                    let mine = self.uncommitted.take().unwrap_or(committed);
                    tracing::warn!(position = %mine, "the position store holds no position: keeping this poller's last one");
                    self.committed = None;
                    if let Err(e) = self.commit(&mine).await {
                        self.committed = Some(mine);
                        return Err(e);
                    }
                }
                (stored, _) => {
                    // What the store holds wins: another poller may have moved on.
                    self.committed = stored;
                    self.uncommitted = None;
                }
            }
            self.loaded = true;
            if let Some(p) = &self.committed {
                tracing::info!(position = %p, start = ?self.config.start, "journal position loaded");
            }
        }
        if let Some(p) = self.uncommitted.clone() {
            self.commit(&p).await?;
            self.uncommitted = None;
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
            // Nothing of this page is committed by a poller that lost the lease: the next
            // holder reads it again from the committed position.
            self.keep_lease_mid_page().await?;
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
            if page.events.is_empty() {
                if let Some(since) = since_of(&next) {
                    self.commit(&since).await?;
                }
            }
            if let Some(p) = done {
                self.commit_page(p, &next).await?;
            }
            self.next = Some(next);
        } else if let Some(p) = done {
            let resume = self.since_url(Some(p));
            self.commit_page(p, &resume).await?;
            self.next = Some(resume);
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
                self.release_lease().await;
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
                        Polled::Standby => self
                            .lease
                            .as_ref()
                            .map_or(self.config.idle_wait, LeaseKeeper::renew_every),
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
                    self.release_lease().await;
                    return Err(e);
                }
            };
            // Wait, renewing a held lease meanwhile so that it does not lapse while idle.
            let until = tokio::time::Instant::now() + wait;
            loop {
                let left = until.saturating_duration_since(tokio::time::Instant::now());
                if left.is_zero() {
                    break;
                }
                let step = self
                    .lease
                    .as_ref()
                    .map_or(left, |k| left.min(k.renew_every()));
                tokio::select! {
                    () = &mut shutdown => {
                        self.release_lease().await;
                        return Ok(());
                    }
                    () = tokio::time::sleep(step) => {}
                }
                if step < left {
                    if let Some(keeper) = self.lease.as_mut() {
                        match keeper.keep().await {
                            Ok(Standing::Regained) => self.take_over(),
                            Ok(_) => {}
                            Err(e) => {
                                tracing::warn!(error = %e, "cannot renew the journal lease while idle")
                            }
                        }
                    }
                }
            }
        }
    }
}
