//! [`DedupStore`] in Redis, shared by every receiver that points at the same Redis.
//!
//! One key per event id, `<prefix>:dedup:<event id>`: `claimed:<instance>` while a
//! receiver handles it (expiring after the claim lease, so a receiver that died does not
//! block the event), `done` once handled (expiring after the TTL, a little longer than
//! the 24 hours Adobe retries an event).

use std::time::Duration;

use redis::Script;

use super::{Connection, RedisSettings, instance_id, millis};
use crate::dedup::{Claim, DEFAULT_DEDUP_LEASE, DEFAULT_DEDUP_TTL, DedupError, DedupStore};
use crate::{BoxFuture, ConfigError};

/// Claims a free id for this instance; says what holds it otherwise.
const CLAIM: &str = r"
local v = redis.call('GET', KEYS[1])
if not v then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
elseif v == 'done' then
  return 2
else
  return 0
end
";

/// Drops this instance's claim, and nothing else (not a `done`, not another's claim).
const RELEASE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
";

/// A [`DedupStore`] in Redis: receivers sharing it handle each event once between them.
/// A failed Redis is a [`DedupError`], which the webhook answers with 503 (Adobe retries)
/// and the journal poller treats as a retryable failure.
#[derive(Debug)]
pub struct RedisDedupStore {
    conn: Connection,
    claim_value: String,
    ttl: Duration,
    lease: Duration,
    claim: Script,
    release: Script,
}

impl RedisDedupStore {
    /// A store in the Redis of `settings`, remembering handled events for
    /// [`DEFAULT_DEDUP_TTL`] and claims for [`DEFAULT_DEDUP_LEASE`]. Checks the settings
    /// only: nothing connects before the first event.
    pub fn new(settings: RedisSettings) -> Result<Self, ConfigError> {
        Ok(RedisDedupStore {
            conn: Connection::open(settings)?,
            claim_value: format!("claimed:{}", instance_id()),
            ttl: DEFAULT_DEDUP_TTL,
            lease: DEFAULT_DEDUP_LEASE,
            claim: Script::new(CLAIM),
            release: Script::new(RELEASE),
        })
    }

    /// Sets how long a handled event is remembered.
    pub fn with_ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// Sets how long a claim blocks other deliveries of the same event.
    pub fn with_lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    fn key(&self, event_id: &str) -> String {
        self.conn.key(&["dedup", event_id])
    }
}

impl DedupStore for RedisDedupStore {
    fn claim<'a>(&'a self, event_id: &'a str) -> BoxFuture<'a, Result<Claim, DedupError>> {
        Box::pin(async move {
            let key = self.key(event_id);
            let answer: i64 = self
                .conn
                .run("claim", |mut c| async move {
                    self.claim
                        .key(&key)
                        .arg(&self.claim_value)
                        .arg(millis(self.lease))
                        .invoke_async(&mut c)
                        .await
                })
                .await
                .map_err(DedupError)?;
            Ok(match answer {
                1 => Claim::Claimed,
                2 => Claim::Done,
                _ => Claim::InProgress,
            })
        })
    }

    fn complete<'a>(&'a self, event_id: &'a str) -> BoxFuture<'a, Result<(), DedupError>> {
        Box::pin(async move {
            let key = self.key(event_id);
            self.conn
                .run("complete", |mut c| async move {
                    redis::cmd("SET")
                        .arg(&key)
                        .arg("done")
                        .arg("PX")
                        .arg(millis(self.ttl))
                        .query_async::<()>(&mut c)
                        .await
                })
                .await
                .map_err(DedupError)
        })
    }

    fn release<'a>(&'a self, event_id: &'a str) -> BoxFuture<'a, Result<(), DedupError>> {
        Box::pin(async move {
            let key = self.key(event_id);
            self.conn
                .run("release", |mut c| async move {
                    self.release
                        .key(&key)
                        .arg(&self.claim_value)
                        .invoke_async::<i64>(&mut c)
                        .await
                })
                .await
                .map(|_| ())
                .map_err(DedupError)
        })
    }
}
