//! Deduplication by event id. Adobe delivers at least once: the same event can arrive again
//! (a retry, a batch retried whole, the journal re-read after a restart). A [`DedupStore`]
//! remembers which events were handled, so a duplicate is acknowledged without calling the
//! handler again.
//!
//! The protocol is check-and-mark in three steps: [`DedupStore::claim`] before the handler
//! runs, then [`DedupStore::complete`] once it succeeded, or [`DedupStore::release`] when it
//! failed, so that a failed event is processed again on its next delivery.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::BoxFuture;

/// What a store says about an event id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// Not seen (or its earlier attempt failed): the caller now owns it and must call
    /// `complete` or `release`.
    Claimed,
    /// Already handled successfully: acknowledge it without calling the handler.
    Done,
    /// Another delivery of the same event is being handled right now: try again later.
    InProgress,
}

/// A store that failed (e.g. an external database is unreachable).
#[derive(Debug, thiserror::Error)]
#[error("deduplication store failed: {0}")]
pub struct DedupError(pub String);

/// Remembers which events were handled. Implementations must be cheap to call and safe to
/// share between requests.
pub trait DedupStore: Send + Sync {
    /// Atomically checks `event_id` and, when it is neither done nor in progress, marks it
    /// in progress ([`Claim::Claimed`]). An in-progress mark should expire after a while
    /// (a lease), so that a crashed attempt does not block the event for ever.
    fn claim<'a>(&'a self, event_id: &'a str) -> BoxFuture<'a, Result<Claim, DedupError>>;
    /// Marks a claimed event as handled: later claims answer [`Claim::Done`].
    fn complete<'a>(&'a self, event_id: &'a str) -> BoxFuture<'a, Result<(), DedupError>>;
    /// Drops the claim of an event whose handler failed: a later claim succeeds.
    fn release<'a>(&'a self, event_id: &'a str) -> BoxFuture<'a, Result<(), DedupError>>;
}

/// A store that remembers nothing: every event is handled every time it arrives.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoDedup;

impl DedupStore for NoDedup {
    fn claim<'a>(&'a self, _event_id: &'a str) -> BoxFuture<'a, Result<Claim, DedupError>> {
        Box::pin(std::future::ready(Ok(Claim::Claimed)))
    }
    fn complete<'a>(&'a self, _event_id: &'a str) -> BoxFuture<'a, Result<(), DedupError>> {
        Box::pin(std::future::ready(Ok(())))
    }
    fn release<'a>(&'a self, _event_id: &'a str) -> BoxFuture<'a, Result<(), DedupError>> {
        Box::pin(std::future::ready(Ok(())))
    }
}

/// Default number of event ids a [`MemoryDedupStore`] remembers.
pub const DEFAULT_DEDUP_CAPACITY: usize = 100_000;
/// Default time a [`MemoryDedupStore`] remembers a handled event: a little longer than the
/// 24 hours during which Adobe retries an event.
pub const DEFAULT_DEDUP_TTL: Duration = Duration::from_secs(25 * 60 * 60);
/// Default lease of an in-progress claim.
pub const DEFAULT_DEDUP_LEASE: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    InProgress,
    Done,
}

#[derive(Debug)]
struct Entry {
    state: State,
    since: Instant,
    seq: u64,
}

#[derive(Debug, Default)]
struct Inner {
    entries: HashMap<String, Entry>,
    /// Insertion order, for FIFO eviction; records whose `seq` no longer matches the entry
    /// are stale and skipped.
    order: VecDeque<(u64, String)>,
    next_seq: u64,
}

/// A bounded in-memory [`DedupStore`]: at most `capacity` ids (the oldest are forgotten
/// first), each remembered for `ttl` after it was handled. It lives as long as the process:
/// after a restart, events delivered again are handled again.
pub struct MemoryDedupStore {
    inner: Mutex<Inner>,
    capacity: usize,
    ttl: Duration,
    lease: Duration,
}

impl fmt::Debug for MemoryDedupStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryDedupStore")
            .field("capacity", &self.capacity)
            .field("ttl", &self.ttl)
            .field("lease", &self.lease)
            .field("len", &self.len())
            .finish()
    }
}

impl Default for MemoryDedupStore {
    fn default() -> Self {
        MemoryDedupStore::new(DEFAULT_DEDUP_CAPACITY, DEFAULT_DEDUP_TTL)
    }
}

impl MemoryDedupStore {
    /// A store of at most `capacity` ids (at least 1), each kept `ttl` after it was handled.
    pub fn new(capacity: usize, ttl: Duration) -> Self {
        MemoryDedupStore {
            inner: Mutex::new(Inner::default()),
            capacity: capacity.max(1),
            ttl,
            lease: DEFAULT_DEDUP_LEASE,
        }
    }

    /// Sets how long an in-progress claim blocks other deliveries of the same event.
    pub fn with_lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// How many ids the store holds (handled or in progress, expired ones included until
    /// they are looked at or evicted).
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// Whether the store holds no id.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether `event_id` is remembered as handled (and not expired).
    pub fn is_done(&self, event_id: &str) -> bool {
        let now = Instant::now();
        self.lock()
            .entries
            .get(event_id)
            .is_some_and(|e| e.state == State::Done && now.duration_since(e.since) < self.ttl)
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic elsewhere while holding the lock leaves consistent data: keep going.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn claim_now(&self, event_id: &str) -> Claim {
        let now = Instant::now();
        let mut inner = self.lock();
        if let Some(e) = inner.entries.get(event_id) {
            let age = now.duration_since(e.since);
            match e.state {
                State::Done if age < self.ttl => return Claim::Done,
                State::InProgress if age < self.lease => return Claim::InProgress,
                _ => {}
            }
        }
        let seq = inner.next_seq;
        inner.next_seq += 1;
        inner.entries.insert(
            event_id.to_owned(),
            Entry {
                state: State::InProgress,
                since: now,
                seq,
            },
        );
        inner.order.push_back((seq, event_id.to_owned()));
        while inner.entries.len() > self.capacity {
            let Some((seq, id)) = inner.order.pop_front() else {
                break;
            };
            if inner.entries.get(&id).is_some_and(|e| e.seq == seq) {
                inner.entries.remove(&id);
            }
        }
        // Released ids leave stale records behind: compact once they dominate.
        if inner.order.len() > self.capacity.saturating_mul(2).saturating_add(16) {
            let Inner { entries, order, .. } = &mut *inner;
            order.retain(|(seq, id)| entries.get(id).is_some_and(|e| e.seq == *seq));
        }
        Claim::Claimed
    }

    fn complete_now(&self, event_id: &str) {
        let now = Instant::now();
        let mut inner = self.lock();
        if let Some(e) = inner.entries.get_mut(event_id) {
            e.state = State::Done;
            e.since = now;
        } else {
            // Evicted while in progress: remember it anyway.
            let seq = inner.next_seq;
            inner.next_seq += 1;
            inner.entries.insert(
                event_id.to_owned(),
                Entry {
                    state: State::Done,
                    since: now,
                    seq,
                },
            );
            inner.order.push_back((seq, event_id.to_owned()));
        }
    }

    fn release_now(&self, event_id: &str) {
        let mut inner = self.lock();
        if inner
            .entries
            .get(event_id)
            .is_some_and(|e| e.state == State::InProgress)
        {
            inner.entries.remove(event_id);
        }
    }
}

impl DedupStore for MemoryDedupStore {
    fn claim<'a>(&'a self, event_id: &'a str) -> BoxFuture<'a, Result<Claim, DedupError>> {
        Box::pin(std::future::ready(Ok(self.claim_now(event_id))))
    }
    fn complete<'a>(&'a self, event_id: &'a str) -> BoxFuture<'a, Result<(), DedupError>> {
        self.complete_now(event_id);
        Box::pin(std::future::ready(Ok(())))
    }
    fn release<'a>(&'a self, event_id: &'a str) -> BoxFuture<'a, Result<(), DedupError>> {
        self.release_now(event_id);
        Box::pin(std::future::ready(Ok(())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn claim_complete_release() {
        let s = MemoryDedupStore::new(10, Duration::from_secs(60));
        assert_eq!(s.claim("a").await.unwrap(), Claim::Claimed);
        assert_eq!(s.claim("a").await.unwrap(), Claim::InProgress);
        s.release("a").await.unwrap();
        assert_eq!(s.claim("a").await.unwrap(), Claim::Claimed);
        s.complete("a").await.unwrap();
        assert_eq!(s.claim("a").await.unwrap(), Claim::Done);
        assert!(s.is_done("a"));
        // Releasing a done event does not forget it.
        s.release("a").await.unwrap();
        assert_eq!(s.claim("a").await.unwrap(), Claim::Done);
    }

    #[tokio::test]
    async fn ttl_and_lease_expire() {
        let s = MemoryDedupStore::new(10, Duration::from_millis(30))
            .with_lease(Duration::from_millis(30));
        assert_eq!(s.claim("a").await.unwrap(), Claim::Claimed);
        tokio::time::sleep(Duration::from_millis(40)).await;
        assert_eq!(s.claim("a").await.unwrap(), Claim::Claimed, "lease expired");
        s.complete("a").await.unwrap();
        assert_eq!(s.claim("a").await.unwrap(), Claim::Done);
        tokio::time::sleep(Duration::from_millis(40)).await;
        assert_eq!(s.claim("a").await.unwrap(), Claim::Claimed, "ttl expired");
    }

    #[tokio::test]
    async fn capacity_evicts_oldest_first() {
        let s = MemoryDedupStore::new(3, Duration::from_secs(60));
        for id in ["a", "b", "c", "d"] {
            assert_eq!(s.claim(id).await.unwrap(), Claim::Claimed);
            s.complete(id).await.unwrap();
        }
        assert_eq!(s.len(), 3);
        assert!(!s.is_done("a"));
        assert!(s.is_done("d"));
        // Many claims and releases keep the order queue bounded.
        for i in 0..1000 {
            let id = format!("x{i}");
            s.claim(&id).await.unwrap();
            s.release(&id).await.unwrap();
        }
        assert!(s.lock().order.len() <= 2 * 3 + 17);
        assert!(s.is_done("d"));
    }
}
