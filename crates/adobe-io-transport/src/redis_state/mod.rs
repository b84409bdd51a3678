//! State shared by several receivers or pollers, kept in Redis: a [`RedisDedupStore`]
//! (which events were handled, for every webhook receiver behind one load balancer) and a
//! [`RedisJournalState`] (one registration's journal position and the lease that lets one
//! poller at a time read it).
//!
//! Every read-check-write is one Lua script, so it is atomic in Redis. The client is
//! redis-rs's `ConnectionManager`, which reconnects after Redis restarts; each operation
//! has a time limit, so an unreachable Redis is an error (answered as retryable) within
//! about [`RedisSettings::connect_timeout`] + [`RedisSettings::response_timeout`], never a
//! hang. Nothing connects before the first operation: a receiver starts while Redis is
//! down and answers 503 until it is back.
//!
//! Redis must keep its data across restarts (AOF or RDB persistence) for deduplication to
//! survive a Redis restart; without persistence a restarted Redis has forgotten every
//! handled event (redeliveries are handled again) and the journal position (the poller
//! that holds the lease writes its own back).

mod dedup;
mod journal;

pub use dedup::RedisDedupStore;
pub use journal::RedisJournalState;

use std::fmt;
use std::future::Future;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use crate::ConfigError;

/// Default prefix of every key this crate writes.
pub const DEFAULT_KEY_PREFIX: &str = "adobe-io-events";

/// Where Redis is and how long to wait for it.
#[derive(Debug, Clone)]
pub struct RedisSettings {
    /// `redis://[user:password@]host[:port][/db]`.
    pub url: String,
    /// Prefix of every key (default [`DEFAULT_KEY_PREFIX`]), so that several
    /// applications can share one Redis.
    pub key_prefix: String,
    /// Time limit of one connection attempt (default 1 s).
    pub connect_timeout: Duration,
    /// Time limit of one command's answer (default 2 s).
    pub response_timeout: Duration,
}

impl RedisSettings {
    /// The default settings for the Redis at `url`.
    pub fn new(url: impl Into<String>) -> Self {
        RedisSettings {
            url: url.into(),
            key_prefix: DEFAULT_KEY_PREFIX.to_owned(),
            connect_timeout: Duration::from_secs(1),
            response_timeout: Duration::from_secs(2),
        }
    }
}

/// A lazily opened, self-reconnecting connection with time limits.
pub(crate) struct Connection {
    client: redis::Client,
    /// The URL without its password, for messages.
    shown: String,
    settings: RedisSettings,
    manager: tokio::sync::Mutex<Option<ConnectionManager>>,
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection")
            .field("url", &self.shown)
            .field("key_prefix", &self.settings.key_prefix)
            .finish_non_exhaustive()
    }
}

/// `url` without its password.
fn shown_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) => {
            if u.password().is_some() {
                let _ = u.set_password(Some("***"));
            }
            u.to_string()
        }
        Err(_) => "<invalid url>".to_owned(),
    }
}

impl Connection {
    pub(crate) fn open(settings: RedisSettings) -> Result<Self, ConfigError> {
        let shown = shown_url(&settings.url);
        if !settings.url.starts_with("redis://") {
            return Err(ConfigError(format!(
                "redis url `{shown}` must start with redis:// (TLS is not built in)"
            )));
        }
        if settings.key_prefix.is_empty() {
            return Err(ConfigError("redis key prefix is empty".to_owned()));
        }
        if settings.connect_timeout.is_zero() || settings.response_timeout.is_zero() {
            return Err(ConfigError("redis timeouts must be positive".to_owned()));
        }
        let client = redis::Client::open(settings.url.as_str())
            .map_err(|e| ConfigError(format!("redis url `{shown}`: {e}")))?;
        Ok(Connection {
            client,
            shown,
            settings,
            manager: tokio::sync::Mutex::new(None),
        })
    }

    pub(crate) fn key(&self, parts: &[&str]) -> String {
        let mut key = self.settings.key_prefix.clone();
        for p in parts {
            key.push(':');
            key.push_str(p);
        }
        key
    }

    fn limit(&self) -> Duration {
        self.settings.connect_timeout + self.settings.response_timeout
    }

    /// The shared connection, opened on first use (and again after a failed first use).
    async fn manager(&self) -> Result<ConnectionManager, String> {
        let mut slot = self.manager.lock().await;
        if let Some(m) = slot.as_ref() {
            return Ok(m.clone());
        }
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(self.settings.connect_timeout)
            .set_response_timeout(self.settings.response_timeout)
            .set_number_of_retries(1)
            .set_factor(50)
            .set_max_delay(200);
        let opened = tokio::time::timeout(
            self.limit(),
            ConnectionManager::new_with_config(self.client.clone(), config),
        )
        .await;
        match opened {
            Ok(Ok(m)) => {
                tracing::info!(url = %self.shown, "connected to redis");
                *slot = Some(m.clone());
                Ok(m)
            }
            Ok(Err(e)) => Err(format!("cannot connect to redis at {}: {e}", self.shown)),
            Err(_) => Err(format!(
                "cannot connect to redis at {}: no answer within {} ms",
                self.shown,
                self.limit().as_millis()
            )),
        }
    }

    /// Runs `op` on the connection within the time limit; errors say what and where.
    pub(crate) async fn run<T, F, Fut>(&self, what: &str, op: F) -> Result<T, String>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: Future<Output = redis::RedisResult<T>>,
    {
        let conn = self.manager().await?;
        match tokio::time::timeout(self.limit(), op(conn)).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(format!("redis {what} at {} failed: {e}", self.shown)),
            Err(_) => Err(format!(
                "redis {what} at {}: no answer within {} ms",
                self.shown,
                self.limit().as_millis()
            )),
        }
    }
}

/// A random id for one store instance (one process's receiver or poller).
pub(crate) fn instance_id() -> String {
    use rand::Rng;
    let n: u128 = rand::thread_rng().r#gen();
    format!("{}-{n:032x}", std::process::id())
}

/// Milliseconds for a Redis `PX` argument (at least 1).
pub(crate) fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_checked_and_passwords_hidden() {
        assert!(Connection::open(RedisSettings::new("redis://127.0.0.1:6379/0")).is_ok());
        let err = Connection::open(RedisSettings::new("rediss://u:secret@host/0")).unwrap_err();
        assert!(!err.to_string().contains("secret"), "{err}");
        assert!(err.to_string().contains("redis://"), "{err}");
        let err = Connection::open(RedisSettings::new("redis://:secret@[::1")).unwrap_err();
        assert!(!err.to_string().contains("secret"), "{err}");
        let mut s = RedisSettings::new("redis://127.0.0.1/");
        s.key_prefix.clear();
        assert!(Connection::open(s).is_err());
        let c = Connection::open(RedisSettings::new("redis://:pw@127.0.0.1:1/")).unwrap();
        assert!(!format!("{c:?}").contains("pw@"));
        assert_eq!(c.key(&["dedup", "e-1"]), "adobe-io-events:dedup:e-1");
        assert_eq!(millis(Duration::ZERO), 1);
    }
}
