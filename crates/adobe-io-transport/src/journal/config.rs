//! Settings of the journal poller.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use url::Url;

use super::{Backoff, Lease, TokenProvider};
use crate::ConfigError;
use crate::dedup::{DedupStore, MemoryDedupStore};

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
    /// The registration's lease, when several pollers share one position store (default:
    /// none, this poller is alone). With a lease, [`JournalConfig::start`] applies to the
    /// first lease this poller gets; every later one resumes from the stored position.
    pub lease: Option<Arc<dyn Lease>>,
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
            .field("lease", &self.lease.as_ref().map(|l| l.holder()))
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
            lease: None,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::StaticToken;

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
}
