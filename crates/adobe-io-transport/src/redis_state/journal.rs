//! One registration's journal state in Redis: its position and the lease of the poller
//! that reads it, under `<prefix>:journal:<registration>:position` and `...:lease`.

use std::time::Duration;

use redis::Script;

use super::{Connection, RedisSettings, instance_id, millis};
use crate::journal::{Acquired, Lease, LeaseError, PositionError, PositionStore};
use crate::{BoxFuture, ConfigError};

/// Default time to live of the lease: a poller that dies is taken over within about this.
pub const DEFAULT_LEASE_TTL: Duration = Duration::from_secs(30);

/// Renews the lease of this holder, or takes it when free.
const ACQUIRE: &str = r"
local v = redis.call('GET', KEYS[1])
if v == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
elseif not v then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 2
end
return 0
";

/// Gives the lease up, if this holder has it.
const RELEASE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
";

/// Writes the position only while this holder has the lease (fencing).
const COMMIT: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[2], ARGV[2])
  return 1
end
return 0
";

/// A registration's journal position and lease in Redis: give it to the poller both as its
/// [`PositionStore`] and as [`JournalConfig::lease`](crate::journal::JournalConfig::lease).
/// Pollers of the same registration (same key) on several machines then take turns: one
/// reads while the others stand by, and a commit is refused unless its poller holds the
/// lease.
#[derive(Debug)]
pub struct RedisJournalState {
    conn: Connection,
    position_key: String,
    lease_key: String,
    holder: String,
    ttl: Duration,
    acquire: Script,
    release: Script,
    commit: Script,
}

impl RedisJournalState {
    /// The state of the registration named `registration` (any stable name; the
    /// `adobe-events` binary uses the journal URL without its query) in the Redis of
    /// `settings`, with a lease of [`DEFAULT_LEASE_TTL`]. Nothing connects yet.
    pub fn new(settings: RedisSettings, registration: &str) -> Result<Self, ConfigError> {
        if registration.is_empty() {
            return Err(ConfigError("journal registration name is empty".to_owned()));
        }
        let conn = Connection::open(settings)?;
        Ok(RedisJournalState {
            position_key: conn.key(&["journal", registration, "position"]),
            lease_key: conn.key(&["journal", registration, "lease"]),
            conn,
            holder: instance_id(),
            ttl: DEFAULT_LEASE_TTL,
            acquire: Script::new(ACQUIRE),
            release: Script::new(RELEASE),
            commit: Script::new(COMMIT),
        })
    }

    /// Sets the lease's time to live (at least 30 ms). Shorter means faster takeovers and
    /// more renewals (every third of it); handlers must take well under it.
    pub fn with_lease_ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl.max(Duration::from_millis(30));
        self
    }
}

impl PositionStore for RedisJournalState {
    fn load(&self) -> BoxFuture<'_, Result<Option<String>, PositionError>> {
        Box::pin(async move {
            self.conn
                .run("position read", |mut c| async move {
                    redis::cmd("GET")
                        .arg(&self.position_key)
                        .query_async::<Option<String>>(&mut c)
                        .await
                })
                .await
                .map_err(PositionError::Unavailable)
        })
    }

    fn commit<'a>(&'a self, position: &'a str) -> BoxFuture<'a, Result<(), PositionError>> {
        Box::pin(async move {
            let written: i64 = self
                .conn
                .run("position write", |mut c| async move {
                    self.commit
                        .key(&self.lease_key)
                        .key(&self.position_key)
                        .arg(&self.holder)
                        .arg(position)
                        .invoke_async(&mut c)
                        .await
                })
                .await
                .map_err(PositionError::Unavailable)?;
            if written == 1 {
                Ok(())
            } else {
                Err(PositionError::Fenced(format!(
                    "poller {} does not hold the lease {}",
                    self.holder, self.lease_key
                )))
            }
        })
    }
}

impl Lease for RedisJournalState {
    fn acquire(&self) -> BoxFuture<'_, Result<Acquired, LeaseError>> {
        Box::pin(async move {
            let answer: i64 = self
                .conn
                .run("lease", |mut c| async move {
                    self.acquire
                        .key(&self.lease_key)
                        .arg(&self.holder)
                        .arg(millis(self.ttl))
                        .invoke_async(&mut c)
                        .await
                })
                .await
                .map_err(LeaseError)?;
            Ok(match answer {
                1 => Acquired::Renewed,
                2 => Acquired::Taken,
                _ => Acquired::HeldByOther,
            })
        })
    }

    fn release(&self) -> BoxFuture<'_, Result<(), LeaseError>> {
        Box::pin(async move {
            self.conn
                .run("lease release", |mut c| async move {
                    self.release
                        .key(&self.lease_key)
                        .arg(&self.holder)
                        .invoke_async::<i64>(&mut c)
                        .await
                })
                .await
                .map(|_| ())
                .map_err(LeaseError)
        })
    }

    fn ttl(&self) -> Duration {
        self.ttl
    }

    fn holder(&self) -> &str {
        &self.holder
    }
}
